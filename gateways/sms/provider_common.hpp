#pragma once
// Helpers the provider files share: JSON bodies, HTTP status classes, Retry-After.
#include "gateways/sms/provider.hpp"

#include <json/value.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace junction::sms {

// nullopt unless `text` is one JSON value.
std::optional<Json::Value> parse_json(std::string_view text);
// A member as a string whatever its JSON type ("" for null/missing, numbers in decimal).
std::string json_string(const Json::Value& object, const char* name);

// 408, 425, 429 and 5xx are worth retrying; other statuses of 400 and up are not.
bool is_retryable_status(int http_status);
// Retry-After as delta-seconds (the HTTP-date form is not used by these providers).
std::optional<std::chrono::seconds> retry_after(const HeaderMap& headers);

// "https://api.example.com/" -> "https://api.example.com".
std::string without_trailing_slash(std::string url);
// Text-only channels carry media as links after the text, one per line.
std::string body_with_media_links(const OutboundSms& sms);
// url + ('?' or '&') + query.
std::string append_query(std::string url, std::string_view query);

// The body's first line, shortened: a provider's non-JSON error page as a reason.
std::string short_reason(std::string_view body, int http_status);

}  // namespace junction::sms
