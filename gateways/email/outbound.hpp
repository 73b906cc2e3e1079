#pragma once
// XMPP -> mail: what an outbox entry holds, and the RFC 5322 message built from it. The
// entry is complete when it is queued (addresses, Message-ID, thread references), so a retry
// after a crash sends the very same mail, and the recipient's MTA can spot the duplicate.
#include "message_builder.hpp"
#include "util/result.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace junction::email {

struct OutboundRequest {
  std::string user;       // full JID of the sender (errors go back to this resource)
  std::string contact;    // the correspondent's bare JID
  std::string stanza_id;  // as the client sent it, for error replies
  std::string from_address, from_name;
  std::string to_address;
  std::string subject, body;
  std::string message_id;
  std::string thread;
  std::string in_reply_to;
  std::vector<std::string> references;
};

/// Length-prefixed fields ("e1;" then "<length>:<bytes>," each): any byte may occur in any
/// field, and an entry written by one version is refused rather than misread by another.
std::string encode_request(const OutboundRequest& request);
std::optional<OutboundRequest> decode_request(std::string_view payload);

/// The mail text for a request; fails when an address in it no longer parses.
Result<std::string> build_request_message(const OutboundRequest& request, std::string_view default_subject,
                                          std::chrono::system_clock::time_point date);

}  // namespace junction::email
