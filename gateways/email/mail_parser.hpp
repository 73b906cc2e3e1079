#pragma once
// Inbound mail as the gateway needs it: who wrote, about which thread, the text in UTF-8,
// the attachments, and whether the mail is machine mail (auto-reply, list, bounce) that must
// never be answered automatically. Parsing is GMime's; choosing and converting is ours.
// Thread-safe: parse_mail has no shared state beyond GMime's one-time start-up.
#include "dsn.hpp"
#include "util/result.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace junction::email {

struct Mailbox {
  std::string address;  // as written; run parse_address before trusting it
  std::string name;     // display name, RFC 2047 decoded, UTF-8; may be empty
};

struct Attachment {
  std::string filename;      // RFC 2231 / RFC 2047 decoded; may be empty
  std::string content_type;  // "image/png", lower case
  std::size_t size = 0;      // decoded size, even when the bytes were not kept
  std::string bytes;         // decoded content; empty when over the limits
  bool omitted = false;      // true when over max_attachment_bytes or the total budget
};

struct ParseOptions {
  std::size_t max_attachment_bytes = 10 * 1024 * 1024;
  std::size_t max_total_attachment_bytes = 25 * 1024 * 1024;
  std::size_t max_text_bytes = 256 * 1024;  // of body text, after conversion
};

struct ParsedMail {
  // Message ids carry angle brackets, as make_message_id produces them: "<id@domain>".
  std::string message_id;
  std::string in_reply_to;
  std::vector<std::string> references;  // oldest first
  Mailbox from;
  std::vector<Mailbox> to;
  std::string subject;  // decoded, UTF-8
  std::optional<std::chrono::system_clock::time_point> date;

  std::string text;          // UTF-8 with '\n' line ends
  bool text_from_html = false;
  bool text_truncated = false;
  std::vector<Attachment> attachments;

  bool auto_submitted = false;  // see hygiene.hpp
  bool list = false;
  std::string list_id;
  std::optional<DeliveryReport> dsn;  // set for multipart/report; report-type=delivery-status

  bool is_dsn() const { return dsn.has_value(); }
};

/// Fails only when the bytes hold no message at all; odd or broken mails give what could be
/// read (GMime is lenient, and so are we).
Result<ParsedMail> parse_mail(std::string_view raw, const ParseOptions& options = {});

}  // namespace junction::email
