#include "gateways/sms/provider_common.hpp"

#include <json/reader.h>

#include <charconv>
#include <fmt/format.h>
#include <memory>

namespace junction::sms {

std::optional<Json::Value> parse_json(std::string_view text) {
  Json::CharReaderBuilder builder;
  builder["collectComments"] = false;
  builder["failIfExtra"] = true;
  std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  Json::Value value;
  std::string errors;
  if (!reader->parse(text.data(), text.data() + text.size(), &value, &errors)) return std::nullopt;
  return value;
}

std::string json_string(const Json::Value& object, const char* name) {
  if (!object.isObject()) return {};
  const Json::Value& v = object[name];
  if (v.isString()) return v.asString();
  if (v.isIntegral()) return v.isUInt64() ? std::to_string(v.asUInt64()) : std::to_string(v.asInt64());
  if (v.isBool()) return v.asBool() ? "true" : "false";
  if (v.isDouble()) return fmt::format("{}", v.asDouble());
  return {};
}

bool is_retryable_status(int s) { return s == 408 || s == 425 || s == 429 || s >= 500; }

std::optional<std::chrono::seconds> retry_after(const HeaderMap& headers) {
  auto it = headers.find("retry-after");
  if (it == headers.end()) return std::nullopt;
  const std::string& v = it->second;
  long long seconds = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (ec != std::errc{} || end != v.data() + v.size() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

std::string without_trailing_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string body_with_media_links(const OutboundSms& sms) {
  std::string out = sms.body;
  for (const auto& url : sms.media_urls) {
    if (!out.empty()) out += '\n';
    out += url;
  }
  return out;
}

std::string append_query(std::string url, std::string_view query) {
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += query;
  return url;
}

std::string short_reason(std::string_view body, int http_status) {
  auto line = body.substr(0, body.find_first_of("\r\n"));
  if (line.size() > 200) {
    line = line.substr(0, 200);
    // Don't leave half a UTF-8 sequence: the reason may end up in an XML stanza.
    while (!line.empty() && (static_cast<unsigned char>(line.back()) & 0xC0) == 0x80) line.remove_suffix(1);
    if (!line.empty() && static_cast<unsigned char>(line.back()) >= 0xC0) line.remove_suffix(1);
  }
  if (line.empty()) return fmt::format("HTTP status {}", http_status);
  return fmt::format("{} (HTTP status {})", line, http_status);
}

}  // namespace junction::sms
