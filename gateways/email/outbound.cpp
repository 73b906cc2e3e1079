#include "outbound.hpp"

#include <charconv>

namespace junction::email {
namespace {

constexpr std::string_view kVersion = "e1;";

void put(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
  out += ',';
}

bool take(std::string_view& in, std::string& field) {
  auto colon = in.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::size_t length = 0;
  auto [end, ec] = std::from_chars(in.data(), in.data() + colon, length);
  if (ec != std::errc() || end != in.data() + colon) return false;
  in.remove_prefix(colon + 1);
  if (in.size() < length + 1 || in[length] != ',') return false;
  field.assign(in.substr(0, length));
  in.remove_prefix(length + 1);
  return true;
}

}  // namespace

std::string encode_request(const OutboundRequest& r) {
  std::string out(kVersion);
  for (const std::string* field : {&r.user, &r.contact, &r.stanza_id, &r.from_address, &r.from_name, &r.to_address,
                                   &r.subject, &r.body, &r.message_id, &r.thread, &r.in_reply_to})
    put(out, *field);
  put(out, std::to_string(r.references.size()));
  for (const auto& id : r.references) put(out, id);
  return out;
}

std::optional<OutboundRequest> decode_request(std::string_view in) {
  if (in.substr(0, kVersion.size()) != kVersion) return std::nullopt;
  in.remove_prefix(kVersion.size());
  OutboundRequest r;
  for (std::string* field : {&r.user, &r.contact, &r.stanza_id, &r.from_address, &r.from_name, &r.to_address,
                             &r.subject, &r.body, &r.message_id, &r.thread, &r.in_reply_to})
    if (!take(in, *field)) return std::nullopt;
  std::string count_text;
  if (!take(in, count_text)) return std::nullopt;
  std::size_t count = 0;
  auto [end, ec] = std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
  if (ec != std::errc() || end != count_text.data() + count_text.size() || count > 1000) return std::nullopt;
  r.references.resize(count);
  for (auto& id : r.references)
    if (!take(in, id)) return std::nullopt;
  if (!in.empty()) return std::nullopt;
  return r;
}

Result<std::string> build_request_message(const OutboundRequest& r, std::string_view default_subject,
                                          std::chrono::system_clock::time_point date) {
  auto from = parse_address(r.from_address);
  if (!from) return fail("bad sender address " + r.from_address + ": " + from.error().message);
  auto to = parse_address(r.to_address);
  if (!to) return fail("bad recipient address " + r.to_address + ": " + to.error().message);
  OutgoingMail mail;
  mail.from = *from;
  mail.from_name = r.from_name;
  mail.to = *to;
  mail.subject = r.subject;
  mail.default_subject = std::string(default_subject);
  mail.date = date;
  mail.body = r.body;
  mail.message_id = r.message_id;
  mail.in_reply_to = r.in_reply_to;
  mail.references = r.references;
  return build_message(mail);
}

}  // namespace junction::email
