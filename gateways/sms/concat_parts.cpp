#include "gateways/sms/concat_parts.hpp"

#include "gateways/sms/provider_common.hpp"

#include <json/writer.h>

#include <fmt/format.h>
#include <algorithm>

namespace junction::sms {

std::string concat_group(std::string_view from, std::string_view to, std::string_view ref, int total) {
  return fmt::format("{}|{}|{}|{}", from, to, ref, total);
}

std::string encode_part(const StoredPart& part) {
  Json::Value v(Json::objectValue);
  v["part"] = part.part;
  v["total"] = part.total;
  v["id"] = part.provider_id;
  v["body"] = part.body;
  v["owner"] = part.owner;
  v["contact"] = part.contact;
  v["at"] = static_cast<Json::Int64>(part.received_ms);
  Json::StreamWriterBuilder writer;
  writer["indentation"] = "";
  return Json::writeString(writer, v);
}

Result<StoredPart> decode_part(std::string_view encoded) {
  auto json = parse_json(encoded);
  if (!json || !json->isObject() || !(*json)["part"].isInt() || !(*json)["total"].isInt())
    return fail("an unreadable stored message part");
  StoredPart part;
  part.part = (*json)["part"].asInt();
  part.total = (*json)["total"].asInt();
  part.provider_id = json_string(*json, "id");
  part.body = json_string(*json, "body");
  part.owner = json_string(*json, "owner");
  part.contact = json_string(*json, "contact");
  part.received_ms = (*json)["at"].isIntegral() ? (*json)["at"].asInt64() : 0;
  return part;
}

AssembledText assemble_parts(std::vector<StoredPart> parts) {
  AssembledText out;
  if (parts.empty()) return out;
  std::stable_sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.part < b.part; });
  parts.erase(std::unique(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.part == b.part; }),
              parts.end());
  const int total = parts.front().total;
  std::vector<int> missing;
  std::size_t next = 0;
  for (int n = 1; n <= total; ++n) {
    if (next < parts.size() && parts[next].part == n) {
      out.body += parts[next++].body;  // a part ends mid-word: joined as they are
    } else {
      out.body += "[…]";
      missing.push_back(n);
    }
  }
  out.complete = missing.empty();
  if (!out.complete) {
    std::string list;
    for (int n : missing) list += (list.empty() ? "" : ", ") + std::to_string(n);
    out.body +=
        fmt::format("\n(incomplete: part{} {} of {} never arrived)", missing.size() > 1 ? "s" : "", list, total);
  }
  out.key = fmt::format("{}:{}", parts.front().provider_id, parts.size());
  return out;
}

}  // namespace junction::sms
