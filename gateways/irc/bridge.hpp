#pragma once
// What every part of the IRC gateway shares: the host's context, the options, addressing,
// settings, the sessions and the archive. One object, owned by IrcGateway, handed by
// reference to the room bridge, private chat, commands and dispatch.
#include "core/gateway.hpp"
#include "gateways/irc/gateway_options.hpp"
#include "gateways/irc/history_store.hpp"
#include "gateways/irc/jid_mapping.hpp"
#include "gateways/irc/session_manager.hpp"
#include "gateways/irc/user_settings.hpp"

#include <memory>
#include <string>

namespace junction::irc {

struct Bridge {
  Bridge(core::GatewayContext& context, GatewayOptions opts, IrcLinkFactory factory, SessionManager::Hooks hooks)
      : ctx(context),
        options(std::move(opts)),
        jids(context.domain(), options.fixed_network),
        settings(context.store().kv(), context.name()),
        sessions(context.io(), std::move(factory), settings, std::move(hooks)) {
    sessions.set_options(&options);
  }

  void send(xmpp::Element stanza) { ctx.send(std::move(stanza)); }
  bool archiving() const { return history && options.history_enabled; }
  /// The user's XMPP presence is known to the host (subscribed and online).
  bool user_online(const std::string& user_bare) const;

  core::GatewayContext& ctx;
  GatewayOptions options;
  JidMapper jids;
  SettingsRepository settings;
  SessionManager sessions;
  std::unique_ptr<HistoryStore> history;
};

inline bool Bridge::user_online(const std::string& user_bare) const {
  auto jid = xmpp::Jid::parse(user_bare);
  return jid && !ctx.online_resources(*jid).empty();
}

}  // namespace junction::irc
