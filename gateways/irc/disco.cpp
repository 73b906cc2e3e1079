#include "gateways/irc/disco.hpp"

#include "gateways/irc/settings_commands.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

namespace junction::irc {
namespace {

xmpp::FormField field(std::string var, std::string value, std::string label = {}) {
  xmpp::FormField f;
  f.var = std::move(var);
  f.label = std::move(label);
  f.values = {std::move(value)};
  return f;
}

std::vector<std::string> network_features() {
  return {std::string(xmpp::ns::disco_info), std::string(xmpp::ns::disco_items), std::string(xmpp::ns::muc),
          std::string(xmpp::ns::commands), std::string(xmpp::ns::rsm)};
}

}  // namespace

std::vector<std::string> gateway_features(const Bridge& b) {
  std::vector<std::string> features{std::string(xmpp::ns::muc)};
  if (b.archiving()) features.emplace_back(xmpp::ns::mam);
  // With a fixed network the domain is the network: its disco#items is the paged room list.
  if (b.jids.fixed()) features.emplace_back(xmpp::ns::rsm);
  return features;
}

std::vector<std::string> mode_features(const ChannelModes& modes) {
  if (!modes.known) return {};
  auto pick = [&](char mode, const char* on, const char* off) { return std::string(modes.has(mode) ? on : off); };
  return {
      pick('k', "muc_passwordprotected", "muc_unsecured"),
      pick('i', "muc_membersonly", "muc_open"),
      pick('m', "muc_moderated", "muc_unmoderated"),
      modes.has('s') || modes.has('p') ? "muc_hidden" : "muc_public",
      // An IRC channel ends with its last member unless the server keeps it (+P, ngIRCd
      // and others); services may also keep it, which the channel's modes do not tell.
      pick('P', "muc_persistent", "muc_temporary"),
  };
}

std::optional<core::DiscoInfo> disco_info_for(Bridge& b, const RoomListing& listing, const xmpp::Jid& from,
                                              const Address& to) {
  core::DiscoInfo info;
  switch (to.kind) {
    case Address::Kind::gateway:
      return std::nullopt;
    case Address::Kind::server:
      if (!b.options.network(to.network)) return std::nullopt;
      if (b.jids.fixed()) return std::nullopt;  // the domain itself: the host's answer
      info.identities = {{"conference", "irc", "IRC network " + to.network}};
      info.features = network_features();
      return info;
    case Address::Kind::room: {
      if (!to.occupant.empty()) return std::nullopt;
      if (!b.options.network(to.network)) return std::nullopt;
      info.identities = {{"conference", "irc", to.name}};
      info.features = {std::string(xmpp::ns::disco_info), std::string(xmpp::ns::disco_items),
                       std::string(xmpp::ns::muc), "muc_nonanonymous", std::string(xmpp::ns::sid)};
      if (b.archiving()) info.features.emplace_back(xmpp::ns::mam);
      xmpp::DataForm roominfo;
      roominfo.type = "result";
      xmpp::FormField form_type = field("FORM_TYPE", "http://jabber.org/protocol/muc#roominfo");
      form_type.type = "hidden";
      roominfo.fields.push_back(form_type);
      NetworkSession* s = b.sessions.find(from.bare_str(), to.network);
      const Channel* c = s ? s->channel(to.name) : nullptr;
      if (c && c->joined) {
        for (auto& f : mode_features(c->modes)) info.features.push_back(std::move(f));
        roominfo.fields.push_back(field("muc#roominfo_description", c->topic, "Topic"));
        roominfo.fields.push_back(field("muc#roominfo_subject", c->topic, "Topic"));
        roominfo.fields.push_back(field("muc#roominfo_occupants", std::to_string(c->members().size()), "Users"));
        if (c->modes.known)
          roominfo.fields.push_back(field("muc#roominfo_subjectmod", c->modes.has('t') ? "0" : "1",
                                          "Occupants may change the topic"));
      } else if (auto users = listing.users_in(from.bare_str(), to.network, to.name)) {
        roominfo.fields.push_back(field("muc#roominfo_occupants", std::to_string(*users), "Users"));
      }
      info.extensions.push_back(std::move(roominfo));
      return info;
    }
    case Address::Kind::user:
      return std::nullopt;
  }
  return std::nullopt;
}

std::vector<core::DiscoItem> disco_items_for(Bridge& b, const xmpp::Jid& from, const Address& to) {
  std::vector<core::DiscoItem> items;
  if (to.kind == Address::Kind::gateway) {
    for (const auto& [alias, network] : b.options.networks)
      items.push_back({b.jids.server(alias), "IRC network " + alias + " (" + network.host + ")", {}});
    return items;
  }
  if (to.kind != Address::Kind::room || !to.occupant.empty()) return items;
  NetworkSession* s = b.sessions.find(from.bare_str(), to.network);
  Channel* c = s ? s->channel(to.name) : nullptr;
  if (!c || c->resources.empty()) return items;
  for (const auto& m : c->members()) items.push_back({b.jids.occupant(c->room_jid(), m.nick), m.nick, {}});
  return items;
}

xmpp::Element network_command_list(const xmpp::Element& iq, const xmpp::Jid& to) {
  auto reply = xmpp::make_iq_result(iq);
  auto& query = reply.add_child("query", std::string(xmpp::ns::disco_items));
  query.set_attr("node", std::string(xmpp::ns::commands));
  auto& item = query.add_child("item");
  item.set_attr("jid", to.bare_str());
  item.set_attr("node", std::string(configure_node));
  item.set_attr("name", "Configure this IRC network");
  return reply;
}

}  // namespace junction::irc
