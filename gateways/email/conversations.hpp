#pragma once
// What the email gateway remembers between mails, in the store's key/value rows:
//  - threads: XMPP <thread> ids <-> Message-IDs, per user, so a reply mail lands in the
//    conversation it answers and a chat reply carries In-Reply-To/References;
//  - which message of ours a Message-ID was (for bounces);
//  - the original case of addresses (JID nodes are case-folded by nodeprep);
//  - which users are known (may receive mail), and addresses an admin granted.
// Thread-safety: as the store; every call may block on disk, so the inbound path calls it
// from a worker.
#include "address.hpp"
#include "mail_parser.hpp"
#include "store/repositories.hpp"
#include "util/result.hpp"

#include <optional>
#include <string>
#include <vector>

namespace junction::email {

struct OutboundThread {
  std::string thread;                   // the XMPP thread id the mail belongs to
  std::string in_reply_to;              // newest Message-ID of that thread, or empty
  std::vector<std::string> references;  // oldest first
};

/// A mail the gateway sent, as a bounce needs it.
struct SentRecord {
  std::string user;       // full JID of the sender (errors to a bare JID are dropped)
  std::string contact;    // the correspondent's JID
  std::string stanza_id;  // the id of the message the user sent
  std::string thread;
};

class Conversations {
 public:
  Conversations(store::KeyValueRepository& kv, std::string gateway) : kv_(kv), gateway_(std::move(gateway)) {}

  /// The thread an outgoing mail joins: the stanza's own <thread>, else the conversation's
  /// latest, else a new one. Records `message_id` as the thread's newest message.
  Result<OutboundThread> outbound(const std::string& user, const MailAddress& contact, std::string_view stanza_thread,
                                  const std::string& message_id);

  /// The thread an incoming mail belongs to: the thread of the first message it answers
  /// (In-Reply-To, then References newest first) that we know; else one derived from the
  /// thread's root id, so every mail of a thread we joined late still shares one thread.
  Result<std::string> inbound(const std::string& user, const MailAddress& contact, const ParsedMail& mail);

  Result<void> remember_sent(const std::string& message_id, const SentRecord& record);
  Result<std::optional<SentRecord>> find_sent(const std::string& message_id);

  /// The address as first written (mail From, typed in jabber:iq:gateway).
  Result<void> remember_case(const MailAddress& address);
  /// `address` with its original case when one was recorded, else unchanged.
  MailAddress original_case(const MailAddress& address);

  Result<void> mark_known(const std::string& user);
  Result<bool> known(const std::string& user);

  Result<void> grant(const std::string& user, const MailAddress& address);
  Result<bool> revoke(const std::string& user, const MailAddress& address);
  /// The user an extra address was granted to, or nullopt.
  Result<std::optional<std::string>> owner(const MailAddress& address);
  Result<std::vector<std::string>> granted(const std::string& user);

 private:
  Result<void> append_to_thread(const std::string& user, const std::string& thread, const std::string& message_id);
  Result<std::vector<std::string>> thread_ids(const std::string& user, const std::string& thread);

  store::KeyValueRepository& kv_;
  std::string gateway_;
};

/// The key/value text of a SentRecord and back (exposed for tests).
std::string encode_sent(const SentRecord& record);
std::optional<SentRecord> decode_sent(std::string_view text);

/// A stable thread id for a mail thread we did not start ("m" + 16 hex digits).
std::string derived_thread_id(std::string_view root_message_id);
/// A fresh random thread id for a conversation started from XMPP.
std::string new_thread_id();

}  // namespace junction::email
