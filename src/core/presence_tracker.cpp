#include "core/presence_tracker.hpp"

namespace junction::core {

PresenceTracker::Change PresenceTracker::available(const xmpp::Jid& full) {
  auto& resources = online_[full.bare_str()];
  return resources.insert(full.resource()).second ? Change::came_online : Change::none;
}

std::vector<xmpp::Jid> PresenceTracker::unavailable(const xmpp::Jid& jid) {
  std::vector<xmpp::Jid> gone;
  auto it = online_.find(jid.bare_str());
  if (it == online_.end()) return gone;
  if (jid.is_bare()) {
    for (const auto& resource : it->second) gone.push_back(jid.with_resource(resource));
    online_.erase(it);
    return gone;
  }
  if (it->second.erase(jid.resource()) > 0) gone.push_back(jid);
  if (it->second.empty()) online_.erase(it);
  return gone;
}

std::vector<xmpp::Jid> PresenceTracker::resources(const xmpp::Jid& bare) const {
  std::vector<xmpp::Jid> out;
  auto it = online_.find(bare.bare_str());
  if (it == online_.end()) return out;
  for (const auto& resource : it->second) out.push_back(bare.bare().with_resource(resource));
  return out;
}

std::vector<xmpp::Jid> PresenceTracker::users() const {
  std::vector<xmpp::Jid> out;
  for (const auto& [bare, _] : online_)
    if (auto jid = xmpp::Jid::parse(bare)) out.push_back(*jid);
  return out;
}

std::size_t PresenceTracker::resource_count() const {
  std::size_t n = 0;
  for (const auto& [_, resources] : online_) n += resources.size();
  return n;
}

}  // namespace junction::core
