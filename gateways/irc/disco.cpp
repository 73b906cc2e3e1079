#include "gateways/irc/disco.hpp"

#include "gateways/irc/settings_commands.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

namespace junction::irc {

std::vector<std::string> gateway_features(const Bridge& b) {
  std::vector<std::string> features{std::string(xmpp::ns::muc)};
  if (b.archiving()) features.emplace_back(xmpp::ns::mam);
  return features;
}

std::optional<core::DiscoInfo> disco_info_for(Bridge& b, const xmpp::Jid& from, const Address& to) {
  core::DiscoInfo info;
  switch (to.kind) {
    case Address::Kind::gateway:
      return std::nullopt;
    case Address::Kind::server:
      if (!b.options.network(to.network)) return std::nullopt;
      info.identities = {{"conference", "irc", "IRC network " + to.network}, {"gateway", "irc", to.network}};
      info.features = {std::string(xmpp::ns::disco_info), std::string(xmpp::ns::disco_items),
                       std::string(xmpp::ns::muc), std::string(xmpp::ns::commands)};
      return info;
    case Address::Kind::room: {
      if (!to.occupant.empty()) return std::nullopt;
      info.identities = {{"conference", "irc", to.name}};
      info.features = {std::string(xmpp::ns::disco_info), std::string(xmpp::ns::disco_items),
                       std::string(xmpp::ns::muc), "muc_nonanonymous", "muc_open", "muc_unsecured",
                       "muc_persistent", std::string(xmpp::ns::sid)};
      if (b.archiving()) info.features.emplace_back(xmpp::ns::mam);
      xmpp::DataForm roominfo;
      roominfo.type = "result";
      xmpp::FormField form_type;
      form_type.var = "FORM_TYPE";
      form_type.type = "hidden";
      form_type.values = {"http://jabber.org/protocol/muc#roominfo"};
      roominfo.fields.push_back(form_type);
      if (NetworkSession* s = b.sessions.find(from.bare_str(), to.network))
        if (Channel* c = s->channel(to.name)) {
          xmpp::FormField subject;
          subject.var = "muc#roominfo_subject";
          subject.values = {c->topic};
          xmpp::FormField occupants;
          occupants.var = "muc#roominfo_occupants";
          occupants.values = {std::to_string(c->members().size())};
          roominfo.fields.push_back(subject);
          roominfo.fields.push_back(occupants);
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
  NetworkSession* s = b.sessions.find(from.bare_str(), to.network);
  if (!s) return items;
  if (to.kind == Address::Kind::server) {
    for (const auto& [key, c] : s->channels()) items.push_back({c.room_jid(), c.name(), {}});
  } else if (to.kind == Address::Kind::room && to.occupant.empty()) {
    Channel* c = s->channel(to.name);
    if (!c || c->resources.empty()) return items;
    for (const auto& [key, m] : c->members()) items.push_back({b.jids.occupant(c->room_jid(), m.nick), m.nick, {}});
  }
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
