#include "core/gateway.hpp"

#include <map>

namespace junction::core {
namespace {
std::map<std::string, GatewayKind, std::less<>>& kinds() {
  static std::map<std::string, GatewayKind, std::less<>> registry;
  return registry;
}
}  // namespace

void register_gateway_kind(GatewayKind kind) {
  auto name = kind.kind;
  kinds()[name] = std::move(kind);
}

const GatewayKind* find_gateway_kind(std::string_view kind) {
  auto it = kinds().find(kind);
  return it == kinds().end() ? nullptr : &it->second;
}

std::vector<std::string> gateway_kinds() {
  std::vector<std::string> names;
  for (const auto& [name, _] : kinds()) names.push_back(name);
  return names;
}

}  // namespace junction::core
