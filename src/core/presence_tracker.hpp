#pragma once
// Which resources of which users are online, as seen by one gateway domain. Fed by the
// presence the users send to the domain or its contacts (directed or through subscriptions).
#include "xmpp/jid.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace junction::core {

class PresenceTracker {
 public:
  enum class Change { none, came_online, went_offline };

  // Records an available presence; came_online when the resource is new.
  Change available(const xmpp::Jid& full);
  // Records unavailable; went_offline when the resource was known. A bare JID drops every
  // resource of the user (the server says the user is gone) and reports each one.
  std::vector<xmpp::Jid> unavailable(const xmpp::Jid& jid);

  std::vector<xmpp::Jid> resources(const xmpp::Jid& bare) const;
  std::vector<xmpp::Jid> users() const;  // bare JIDs with at least one resource
  std::size_t resource_count() const;
  void clear() { online_.clear(); }

 private:
  std::map<std::string, std::set<std::string>> online_;  // bare -> resources
};

}  // namespace junction::core
