#include "sasl.hpp"

#include <cstdint>

namespace junction::irc {
namespace {
constexpr std::size_t chunk_size = 400;
constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}  // namespace

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(data[k])); };
  for (; i + 3 <= data.size(); i += 3) {
    std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int shift : {18, 12, 6, 0}) out += alphabet[(v >> shift) & 0x3F];
  }
  std::size_t rest = data.size() - i;
  if (rest > 0) {
    std::uint32_t v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    out += alphabet[(v >> 18) & 0x3F];
    out += alphabet[(v >> 12) & 0x3F];
    out += rest == 2 ? alphabet[(v >> 6) & 0x3F] : '=';
    out += '=';
  }
  return out;
}

std::string sasl_plain_message(std::string_view authzid, std::string_view authcid, std::string_view password) {
  std::string out(authzid);
  out += '\0';
  out += authcid;
  out += '\0';
  out += password;
  return out;
}

std::vector<std::string> authenticate_chunks(std::string_view payload) {
  std::vector<std::string> out;
  while (payload.size() >= chunk_size) {
    out.emplace_back(payload.substr(0, chunk_size));
    payload.remove_prefix(chunk_size);
  }
  out.emplace_back(payload.empty() ? std::string_view("+") : payload);
  return out;
}

}  // namespace junction::irc
