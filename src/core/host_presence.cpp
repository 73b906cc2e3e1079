// Presence at a gateway domain: subscriptions to the gateway and its contacts, probes, the
// users' online resources, and the unavailable presences owed at shutdown.
#include "core/gateway_host.hpp"
#include "util/log.hpp"
#include "xmpp/stanza.hpp"

namespace junction::core {
namespace {
xmpp::Element presence_of_type(std::string_view type, const std::string& from, const std::string& to) {
  xmpp::Element p("presence");
  if (!type.empty()) p.set_attr("type", std::string(type));
  p.set_attr("from", from);
  p.set_attr("to", to);
  return p;
}

store::Subscription with(store::Subscription s, bool to, bool set) {
  bool has_to = s == store::Subscription::to || s == store::Subscription::both;
  bool has_from = s == store::Subscription::from || s == store::Subscription::both;
  (to ? has_to : has_from) = set;
  if (has_to && has_from) return store::Subscription::both;
  if (has_to) return store::Subscription::to;
  if (has_from) return store::Subscription::from;
  return store::Subscription::none;
}
}  // namespace

void GatewayHost::route_presence(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to) {
  auto type = stanza.attr_or("type");
  if (type == "subscribe" || type == "subscribed" || type == "unsubscribe" || type == "unsubscribed") {
    if (!user_allowed(from)) {
      reply_error(stanza, "forbidden", "this gateway serves users of " + config_.user_domains.front() + " only");
      return;
    }
    answer_subscription(type, from, to);
    return;
  }
  if (type == "probe") {
    if (user_allowed(from)) answer_probe(from, to);
    return;
  }
  if (type == "error") {
    gateway_->on_presence(stanza, from, to);
    return;
  }
  if (!user_allowed(from)) return;  // presence from elsewhere is ignored, never answered
  track_availability(stanza, from, to);
  gateway_->on_presence(stanza, from, to);
}

void GatewayHost::answer_subscription(const std::string& type, const xmpp::Jid& from, const xmpp::Jid& to) {
  const std::string user = from.bare_str();
  const std::string contact = to.bare_str();
  auto existing = env_.store->contacts().get(config_.name, user, contact);
  store::Contact row;
  if (existing && *existing) row = **existing;
  row.gateway = config_.name;
  row.user = user;
  row.contact = contact;

  if (type == "subscribe") {
    // The user wants our presence: approve, show it, and ask for theirs in return so the
    // gateway can probe them at start-up (XEP-0100 section 4.1).
    send(presence_of_type("subscribed", contact, user));
    row.subscription = with(row.subscription, false, true);
    answer_probe(from.bare(), to.bare());
    bool have_theirs = row.subscription == store::Subscription::to || row.subscription == store::Subscription::both;
    if (!have_theirs) send(presence_of_type("subscribe", contact, user));
  } else if (type == "subscribed") {
    row.subscription = with(row.subscription, true, true);
  } else if (type == "unsubscribe") {
    send(presence_of_type("unsubscribed", contact, user));
    send(presence_of_type("unavailable", contact, user));
    row.subscription = with(row.subscription, false, false);
  } else if (type == "unsubscribed") {
    row.subscription = with(row.subscription, true, false);
  }
  if (auto saved = env_.store->contacts().upsert(row); !saved)
    log::error("host", "{}: cannot store subscription {} -> {}: {}", config_.name, user, contact,
               saved.error().message);
}

void GatewayHost::answer_probe(const xmpp::Jid& from, const xmpp::Jid& to) {
  auto presence = gateway_->contact_presence(from.bare(), to.bare());
  xmpp::Element reply = presence ? *presence : xmpp::Element("presence");
  if (!presence) reply.set_attr("type", "unavailable");
  reply.set_attr("from", to.bare_str());
  reply.set_attr("to", from.str());
  if (presence) presence_sent_[from.bare_str()].insert(to.bare_str());
  send(std::move(reply));
}

void GatewayHost::track_availability(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to) {
  // Broadcast presence reaches bare JIDs (the domain, subscribed contacts); presence to a full
  // JID is directed (a MUC join or leave) and says nothing about the user being online.
  if (!to.is_bare() || from.is_bare()) return;
  if (stanza.attr_or("type") == "unavailable") {
    if (to.node().empty())
      for (const auto& gone : presence_.unavailable(from)) gateway_->on_user_unavailable(gone);
    return;
  }
  if (presence_.available(from) == PresenceTracker::Change::came_online) {
    log::debug("host", "{}: {} is online", config_.name, from.str());
    gateway_->on_user_available(from);
  }
}

void GatewayHost::probe_registered_users() {
  auto users = env_.store->registrations().list(config_.name);
  if (!users) {
    log::error("host", "{}: cannot list registered users: {}", config_.name, users.error().message);
    return;
  }
  for (const auto& registration : *users) send(presence_of_type("probe", config_.domain, registration.user));
  if (!users->empty()) log::info("host", "{}: probed {} registered users", config_.name, users->size());
}

void GatewayHost::set_contact_presence(const xmpp::Jid& user, const xmpp::Element& presence) {
  xmpp::Element p = presence;
  auto from = p.attr_or("from", config_.domain);
  p.set_attr("from", from);
  p.set_attr("to", user.bare_str());
  if (p.attr_or("type") == "unavailable")
    presence_sent_[user.bare_str()].erase(from);
  else
    presence_sent_[user.bare_str()].insert(from);
  send(std::move(p));
}

void GatewayHost::send_unavailable_everywhere() {
  std::map<std::string, std::set<std::string>> owed = std::move(presence_sent_);
  presence_sent_.clear();
  for (const auto& user : presence_.users()) owed[user.bare_str()].insert(config_.domain);
  for (const auto& [user, contacts] : owed)
    for (const auto& contact : contacts) send(presence_of_type("unavailable", contact, user));
}

}  // namespace junction::core
