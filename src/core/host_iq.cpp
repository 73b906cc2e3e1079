// IQ services of a gateway domain, dispatched by payload namespace (one table, one line each).
#include "core/gateway_host.hpp"
#include "util/log.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

#include <sys/utsname.h>

#include <algorithm>

namespace junction::core {
namespace {

using Handler = void (GatewayHost::*)(const xmpp::Element&, const xmpp::Jid&, const xmpp::Jid&);

struct IqRoute {
  std::string_view xmlns;
  bool domain_only;      // only the bare domain answers it; contacts fall to the gateway
  bool open_to_all;      // answered for users outside user_domains too (harmless queries)
};

}  // namespace

void GatewayHost::route_iq(const xmpp::Element& iq, const xmpp::Jid& from, const xmpp::Jid& to) {
  auto type = iq.attr_or("type");
  if (type == "result" || type == "error") {
    gateway_->on_iq(iq, from, to);  // replies to iqs the gateway sent
    return;
  }
  if (type != "get" && type != "set") {
    reply_error(iq, "bad-request", "iq type must be get or set");
    return;
  }
  const xmpp::Element* payload = nullptr;
  for (const auto& node : iq.nodes())
    if (auto* e = std::get_if<xmpp::Element>(&node)) {
      payload = e;
      break;
    }
  if (!payload) {
    reply_error(iq, "bad-request", "iq without payload");
    return;
  }

  struct Entry {
    IqRoute route;
    Handler handler;
  };
  static const Entry table[] = {
      {{xmpp::ns::disco_info, false, true}, &GatewayHost::iq_disco_info},
      {{xmpp::ns::disco_items, false, true}, &GatewayHost::iq_disco_items},
      {{xmpp::ns::version, true, true}, &GatewayHost::iq_version},
      {{xmpp::ns::ping, false, true}, &GatewayHost::iq_ping},
      {{xmpp::ns::gateway, true, false}, &GatewayHost::iq_gateway},
      {{xmpp::ns::register_, true, false}, &GatewayHost::iq_register},
      {{xmpp::ns::commands, false, false}, &GatewayHost::iq_command},
  };

  const bool at_domain = to.node().empty() && to.resource().empty();
  const bool allowed = user_allowed(from);
  // The gateway first: it may answer anything sent to its rooms and users itself, and an iq
  // to the domain it takes over (the IRC room list with a fixed network, answered later).
  if (allowed && gateway_->on_iq(iq, from, to)) return;
  for (const auto& entry : table) {
    if (payload->xmlns() != entry.route.xmlns) continue;
    if (entry.route.domain_only && !at_domain) break;
    if (!allowed && !entry.route.open_to_all) {
      reply_error(iq, "forbidden", "this gateway serves users of " + config_.user_domains.front() + " only");
      return;
    }
    (this->*entry.handler)(iq, from, to);
    return;
  }
  if (!allowed) {
    reply_error(iq, "forbidden", "this gateway serves users of " + config_.user_domains.front() + " only");
    return;
  }
  reply_error(iq, "service-unavailable");
}

void GatewayHost::iq_disco_info(const xmpp::Element& iq, const xmpp::Jid& from, const xmpp::Jid& to) {
  const auto* query = iq.child("query", xmpp::ns::disco_info);
  auto node = query->attr_or("node");
  DiscoInfo info;
  const bool at_domain = to.node().empty() && to.resource().empty();
  if (!node.empty()) {
    if (node != xmpp::ns::commands || !at_domain) {
      reply_error(iq, "item-not-found");
      return;
    }
    info.identities.push_back({"automation", "command-list", "Commands"});
    info.features.push_back(std::string(xmpp::ns::commands));
  } else if (at_domain) {
    info.identities.push_back(gateway_->identity());
    for (auto& identity : gateway_->extra_identities()) info.identities.push_back(std::move(identity));
    info.features = {std::string(xmpp::ns::disco_info), std::string(xmpp::ns::disco_items),
                     std::string(xmpp::ns::register_), std::string(xmpp::ns::gateway),
                     std::string(xmpp::ns::commands),   std::string(xmpp::ns::ping),
                     std::string(xmpp::ns::version)};
    for (auto& feature : gateway_->features()) info.features.push_back(std::move(feature));
  } else if (auto custom = gateway_->disco_info(from, to)) {
    info = std::move(*custom);
  } else {
    // A contact: a plain account at the legacy network.
    info.identities.push_back({"client", "pc", ""});
    info.features = {std::string(xmpp::ns::disco_info), std::string(xmpp::ns::ping)};
  }
  auto reply = xmpp::make_iq_result(iq);
  auto& out = reply.add_child("query", std::string(xmpp::ns::disco_info));
  if (!node.empty()) out.set_attr("node", node);
  std::sort(info.features.begin(), info.features.end());
  info.features.erase(std::unique(info.features.begin(), info.features.end()), info.features.end());
  for (const auto& identity : info.identities) {
    auto& id = out.add_child("identity");
    id.set_attr("category", identity.category);
    id.set_attr("type", identity.type);
    if (!identity.name.empty()) id.set_attr("name", identity.name);
  }
  for (const auto& feature : info.features) out.add_child("feature").set_attr("var", feature);
  for (const auto& form : info.extensions) out.add_child(form.to_element());
  send(std::move(reply));
}

void GatewayHost::iq_disco_items(const xmpp::Element& iq, const xmpp::Jid& from, const xmpp::Jid& to) {
  const auto* query = iq.child("query", xmpp::ns::disco_items);
  auto node = query->attr_or("node");
  auto reply = xmpp::make_iq_result(iq);
  auto& out = reply.add_child("query", std::string(xmpp::ns::disco_items));
  if (!node.empty()) out.set_attr("node", node);
  const bool at_domain = to.node().empty() && to.resource().empty();
  if (node == xmpp::ns::commands) {
    if (!user_allowed(from)) {
      reply_error(iq, "forbidden");
      return;
    }
    for (const auto& command : all_commands()) {
      if (command.admin_only && !is_admin(from)) continue;
      if (!at_domain) continue;  // contact JIDs carry no commands of the core's
      auto& item = out.add_child("item");
      item.set_attr("jid", to.str());
      item.set_attr("node", command.node);
      item.set_attr("name", command.name);
    }
  } else if (node.empty()) {
    for (const auto& entry : gateway_->disco_items(from, to)) {
      auto& item = out.add_child("item");
      item.set_attr("jid", entry.jid);
      if (!entry.name.empty()) item.set_attr("name", entry.name);
      if (!entry.node.empty()) item.set_attr("node", entry.node);
    }
  } else {
    reply_error(iq, "item-not-found");
    return;
  }
  send(std::move(reply));
}

void GatewayHost::iq_version(const xmpp::Element& iq, const xmpp::Jid&, const xmpp::Jid&) {
  if (iq.attr_or("type") != "get") return reply_error(iq, "bad-request");
  static const std::string os = [] {
    utsname u{};
    return uname(&u) == 0 ? std::string(u.sysname) + " " + u.release : std::string("Linux");
  }();
  auto reply = xmpp::make_iq_result(iq);
  auto& query = reply.add_child("query", std::string(xmpp::ns::version));
  query.add_child("name").set_text("Junction");
  query.add_child("version").set_text(JUNCTION_VERSION);
  query.add_child("os").set_text(os);
  send(std::move(reply));
}

void GatewayHost::iq_ping(const xmpp::Element& iq, const xmpp::Jid&, const xmpp::Jid&) {
  send(xmpp::make_iq_result(iq));
}

void GatewayHost::iq_gateway(const xmpp::Element& iq, const xmpp::Jid&, const xmpp::Jid&) {
  auto reply = xmpp::make_iq_result(iq);
  auto& query = reply.add_child("query", std::string(xmpp::ns::gateway));
  if (iq.attr_or("type") == "get") {
    query.add_child("desc").set_text(gateway_->gateway_description());
    query.add_child("prompt").set_text(gateway_->gateway_prompt());
    send(std::move(reply));
    return;
  }
  auto typed = iq.child("query", xmpp::ns::gateway)->child_text("prompt");
  auto jid = gateway_->legacy_to_jid(typed);
  if (!jid) {
    reply_error(iq, "not-acceptable", jid.error().message);
    return;
  }
  // XEP-0100 answers <jid/>; older clients read <prompt/>, so both are sent.
  query.add_child("jid").set_text(jid->str());
  query.add_child("prompt").set_text(jid->str());
  send(std::move(reply));
}

}  // namespace junction::core
