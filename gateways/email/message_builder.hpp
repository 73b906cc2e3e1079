#pragma once
// Builds the RFC 5322 text of a mail sent on behalf of an XMPP user: a single text/plain
// UTF-8 part, CRLF line ends, header values sanitized and encoded (header_encoding.hpp), so
// nothing a user types can add a header or a MIME part. Dot-stuffing is left to the SMTP
// client, as is the envelope.
#include "address.hpp"
#include "util/result.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace junction::email {

struct OutgoingMail {
  MailAddress from{};
  std::string from_name{};  // display name; may be empty or non-ASCII
  MailAddress to{};
  std::string to_name{};
  std::string subject{};          // empty -> default_subject
  std::string default_subject{};  // e.g. the [gateways.mail] setting; empty -> no Subject
  std::chrono::system_clock::time_point date{};
  std::string body{};        // UTF-8; any line break convention
  std::string message_id{};  // "<id@domain>", see make_message_id
  std::string in_reply_to{};              // a Message-ID, with or without angle brackets
  std::vector<std::string> references{};  // oldest first
  bool auto_generated = false;  // gateway notices only; user messages leave this false
};

/// The message text, ready for SMTP submission. Fails only on a missing or malformed
/// Message-ID; unusable In-Reply-To/References entries are dropped rather than refused,
/// since a broken thread is better than a lost message.
Result<std::string> build_message(const OutgoingMail& mail);

/// "<stanza-id.nonce@domain>": characters outside a safe set in the stanza id are hex
/// escaped and the id is shortened, so the result is always a valid msg-id whatever the
/// client sent; the nonce keeps it unique when clients reuse ids.
std::string make_message_id(std::string_view stanza_id, std::string_view domain, std::uint64_t nonce);
/// The same with a random nonce.
std::string make_message_id(std::string_view stanza_id, std::string_view domain);

/// "<left@right>" when text is one msg-id (brackets optional), else empty.
std::string normalize_message_id(std::string_view text);

/// RFC 5322 date-time in UTC, e.g. "Tue, 01 Jul 2003 10:52:37 +0000".
std::string format_date(std::chrono::system_clock::time_point when);

}  // namespace junction::email
