#pragma once
// What an outbound text looks like in the durable outbox (the entry's payload): everything
// the sender, the receipts and the failure messages need after a restart, as one JSON object.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace junction::sms {

struct OutboundEntry {
  std::string user;      // full JID of the sender: receipts and errors go back to that resource
  std::string contact;   // bare contact JID (+15551234567@sms.example.org)
  std::string from, to;  // normalized numbers
  std::string body;      // the text as sent (the OOB fallback URL already stripped)
  std::vector<std::string> media_urls;
  std::string stanza_id;  // the XMPP message id, for <received id=.../> and error replies
  bool receipt = false;   // the sender asked for a XEP-0184 receipt
};

std::string encode_outbound(const OutboundEntry& entry);
std::optional<OutboundEntry> decode_outbound(std::string_view payload);

// Junction's own id for an outbox entry, given to the provider as the idempotency key (and, for
// Kannel, carried back in delivery reports); the entry's row id can be read back from it.
std::string outbound_message_id(std::int64_t entry_id);
std::optional<std::int64_t> entry_id_from_message_id(std::string_view id);

}  // namespace junction::sms
