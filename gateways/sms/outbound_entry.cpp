#include "gateways/sms/outbound_entry.hpp"

#include "gateways/sms/provider_common.hpp"

#include <json/writer.h>

#include <charconv>

namespace junction::sms {
namespace {
constexpr std::string_view kIdPrefix = "jn-";
}

std::string encode_outbound(const OutboundEntry& e) {
  Json::Value v(Json::objectValue);
  v["user"] = e.user;
  v["contact"] = e.contact;
  v["from"] = e.from;
  v["to"] = e.to;
  v["body"] = e.body;
  v["id"] = e.stanza_id;
  v["receipt"] = e.receipt;
  Json::Value media(Json::arrayValue);
  for (const auto& url : e.media_urls) media.append(url);
  v["media"] = media;
  Json::StreamWriterBuilder builder;
  builder["indentation"] = "";
  return Json::writeString(builder, v);
}

std::optional<OutboundEntry> decode_outbound(std::string_view payload) {
  auto v = parse_json(payload);
  if (!v || !v->isObject()) return std::nullopt;
  OutboundEntry e;
  e.user = json_string(*v, "user");
  e.contact = json_string(*v, "contact");
  e.from = json_string(*v, "from");
  e.to = json_string(*v, "to");
  e.body = json_string(*v, "body");
  e.stanza_id = json_string(*v, "id");
  e.receipt = (*v)["receipt"].isBool() && (*v)["receipt"].asBool();
  if ((*v)["media"].isArray())
    for (const auto& url : (*v)["media"]) e.media_urls.push_back(url.asString());
  if (e.user.empty() || e.to.empty()) return std::nullopt;
  return e;
}

std::string outbound_message_id(std::int64_t entry_id) { return std::string(kIdPrefix) + std::to_string(entry_id); }

std::optional<std::int64_t> entry_id_from_message_id(std::string_view id) {
  if (!id.starts_with(kIdPrefix)) return std::nullopt;
  id.remove_prefix(kIdPrefix.size());
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), value);
  if (ec != std::errc() || end != id.data() + id.size()) return std::nullopt;
  return value;
}

}  // namespace junction::sms
