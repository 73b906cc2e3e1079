#pragma once
// Mail -> XMPP stanzas, without I/O: a parsed mail becomes a chat message (subject, text,
// thread, attachment links), and a bounce becomes an error on the message it is about.
// Machine mail is labelled in the text, so a person (and any bot reading along) can tell an
// auto-reply or list post from a correspondent writing.
#include "conversations.hpp"
#include "mail_parser.hpp"
#include "reply_tail.hpp"
#include "xmpp/element.hpp"

#include <string>
#include <vector>

namespace junction::email {

struct AttachmentLink {
  std::string filename;
  std::string content_type;
  std::size_t size = 0;
  std::string url;  // empty: not kept (over the size limit)
};

struct ChatMapping {
  std::string from;    // the correspondent's JID
  std::string to;      // the user's bare JID
  std::string thread;  // see Conversations::inbound
  QuotedTail quoted_tail = QuotedTail::trim;
  std::vector<AttachmentLink> attachments;
};

/// "[automatic] ", "[list foo.example.org] ", or "" for a person's mail.
std::string machine_label(const ParsedMail& mail);

/// <message type="chat"> with <subject>, <body>, <thread>, XEP-0066 <x> links and the
/// sender's name as XEP-0172 <nick>. Every text is XML-safe.
xmpp::Element mail_to_chat(const ParsedMail& mail, const ChatMapping& mapping);

/// <message type="error"> answering the message a bounce is about: from the correspondent to
/// the user's resource, with the original stanza id and the report's words.
xmpp::Element bounce_to_error(const SentRecord& sent, const DeliveryReport& report);

/// A one-line description of a report: "bob@example.com: 5.1.1 550 user unknown".
std::string describe_report(const DeliveryReport& report);

/// "12 KB", "3.4 MB".
std::string human_size(std::size_t bytes);

}  // namespace junction::email
