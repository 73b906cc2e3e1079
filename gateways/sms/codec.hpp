#pragma once
// Text encodings the provider APIs speak: percent/form encoding, base64, hex.
// Pure functions, thread-safe.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace junction::sms {

// Decoded name/value pairs in their original order; names may repeat (Twilio's MediaUrl).
using Params = std::vector<std::pair<std::string, std::string>>;

// RFC 3986 percent-encoding: everything but ALPHA / DIGIT / "-" / "." / "_" / "~".
std::string url_encode(std::string_view text);
// application/x-www-form-urlencoded: spaces as '+', the rest as url_encode, pairs joined by '&'.
std::string form_encode(const Params& fields);
// Parses a query string or form body: '+' is a space, bad %-escapes are kept literally.
Params parse_form(std::string_view encoded);
// The first value of `name`, or "" when absent.
std::string_view param(const Params& params, std::string_view name);
bool has_param(const Params& params, std::string_view name);

std::string base64_encode(std::string_view bytes);
// Standard alphabet with padding; whitespace is not allowed. nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view text);

std::string hex_encode(std::string_view bytes);  // lower-case

}  // namespace junction::sms
