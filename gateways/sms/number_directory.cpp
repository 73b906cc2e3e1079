#include "gateways/sms/number_directory.hpp"

#include <fmt/format.h>

namespace junction::sms {
namespace {
constexpr std::string_view kAssignedPrefix = "assigned:";
}

std::string_view source_name(NumberSource source) {
  switch (source) {
    case NumberSource::config:
      return "config";
    case NumberSource::assigned:
      return "assigned";
    case NumberSource::own_account:
      return "own account";
  }
  return "?";
}

NumberDirectory::NumberDirectory(std::string gateway, store::Store& store)
    : gateway_(std::move(gateway)), store_(store) {}

Result<void> NumberDirectory::load() {
  auto rows = store_.kv().list(gateway_, "", std::string(kAssignedPrefix));
  if (!rows) return std::unexpected(rows.error());
  assigned_.clear();
  for (const auto& [key, owner] : *rows) assigned_[key.substr(kAssignedPrefix.size())] = owner;
  auto registrations = store_.registrations().list(gateway_);
  if (!registrations) return std::unexpected(registrations.error());
  own_.clear();
  for (const auto& r : *registrations) {
    auto it = r.fields.find("number");
    if (it != r.fields.end() && !it->second.empty()) own_[it->second] = r.user;
  }
  return {};
}

std::optional<OwnedNumber> NumberDirectory::owner_of(const std::string& number) const {
  if (auto it = config_.find(number); it != config_.end()) return OwnedNumber{number, it->second, NumberSource::config};
  if (auto it = assigned_.find(number); it != assigned_.end())
    return OwnedNumber{number, it->second, NumberSource::assigned};
  if (auto it = own_.find(number); it != own_.end()) return OwnedNumber{number, it->second, NumberSource::own_account};
  return std::nullopt;
}

std::optional<OwnedNumber> NumberDirectory::number_of(const std::string& user) const {
  for (const auto& [number, owner] : own_)
    if (owner == user) return OwnedNumber{number, owner, NumberSource::own_account};
  for (const auto& [number, owner] : config_)
    if (owner == user) return OwnedNumber{number, owner, NumberSource::config};
  for (const auto& [number, owner] : assigned_)
    if (owner == user) return OwnedNumber{number, owner, NumberSource::assigned};
  return std::nullopt;
}

std::vector<OwnedNumber> NumberDirectory::all() const {
  std::vector<OwnedNumber> out;
  for (const auto& [n, o] : config_) out.push_back({n, o, NumberSource::config});
  for (const auto& [n, o] : assigned_)
    if (!config_.count(n)) out.push_back({n, o, NumberSource::assigned});
  for (const auto& [n, o] : own_)
    if (!config_.count(n) && !assigned_.count(n)) out.push_back({n, o, NumberSource::own_account});
  return out;
}

Result<void> NumberDirectory::assign(const std::string& number, const std::string& user) {
  if (auto current = owner_of(number); current && current->owner != user)
    return fail(fmt::format("{} already belongs to {} ({})", number, current->owner, source_name(current->source)));
  if (auto stored = store_.kv().put(gateway_, "", std::string(kAssignedPrefix) + number, user); !stored)
    return std::unexpected(stored.error());
  assigned_[number] = user;
  return {};
}

Result<bool> NumberDirectory::release(const std::string& number) {
  if (!assigned_.count(number)) return false;
  auto erased = store_.kv().erase(gateway_, "", std::string(kAssignedPrefix) + number);
  if (!erased) return std::unexpected(erased.error());
  assigned_.erase(number);
  return true;
}

void NumberDirectory::set_own(const std::string& user, const std::string& number) {
  clear_own(user);
  own_[number] = user;
}

void NumberDirectory::clear_own(const std::string& user) {
  std::erase_if(own_, [&](const auto& entry) { return entry.second == user; });
}

}  // namespace junction::sms
