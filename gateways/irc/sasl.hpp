#pragma once
// SASL pieces for IRCv3 "sasl": payload encoding and the AUTHENTICATE chunking rule.
#include <string>
#include <string_view>
#include <vector>

namespace junction::irc {

/// Standard base64 (RFC 4648, with padding).
std::string base64_encode(std::string_view data);

/// The RFC 4616 PLAIN message: authzid NUL authcid NUL password.
std::string sasl_plain_message(std::string_view authzid, std::string_view authcid, std::string_view password);

/// AUTHENTICATE parameters for an already base64-encoded payload: 400-byte chunks, then a
/// lone "+" when the payload is empty or its last chunk was exactly 400 bytes, so the server
/// can tell the end.
std::vector<std::string> authenticate_chunks(std::string_view base64_payload);

}  // namespace junction::irc
