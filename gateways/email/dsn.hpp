#pragma once
// Delivery status notifications (RFC 3464): which recipient failed, why, and which of our
// messages it was about, so the gateway can turn a bounce into an XMPP error.
#include <string>
#include <string_view>
#include <vector>

namespace junction::email {

struct DsnRecipient {
  std::string recipient;   // Final-Recipient (or Original-Recipient) without the "rfc822;" type
  std::string action;      // failed | delayed | delivered | relayed | expanded, lower case
  std::string status;      // "5.1.1"
  std::string diagnostic;  // Diagnostic-Code without its type, e.g. "550 5.1.1 user unknown"
};

struct DeliveryReport {
  std::string reporting_mta;
  std::vector<DsnRecipient> recipients;
  std::string original_message_id;  // "<id@domain>", empty when the report did not include it

  /// The first recipient whose action is "failed", or null.
  const DsnRecipient* first_failed() const;
};

/// Reads the body of a message/delivery-status part. The message id is not set here.
DeliveryReport parse_delivery_status(std::string_view text);

/// The Message-ID field of a header block (text/rfc822-headers), with angle brackets.
std::string message_id_from_headers(std::string_view headers);

}  // namespace junction::email
