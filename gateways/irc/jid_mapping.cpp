#include "gateways/irc/jid_mapping.hpp"

#include <algorithm>
#include <cctype>

namespace junction::irc {
namespace {
bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}
}  // namespace

bool looks_like_channel(std::string_view name) {
  return !name.empty() && (name[0] == '#' || name[0] == '&' || name[0] == '!' || name[0] == '+');
}

JidMapper::JidMapper(std::string domain, std::string fixed_network)
    : domain_(std::move(domain)), fixed_(std::move(fixed_network)) {}

std::optional<Address> JidMapper::parse(const xmpp::Jid& jid) const {
  if (jid.domain() != domain_) return std::nullopt;
  Address a;
  const std::string& node = jid.node();
  if (node.empty()) {
    if (fixed()) {
      a.kind = Address::Kind::server;
      a.network = fixed_;
    }
    return a;
  }
  // The last '%' separates the network: a channel may itself contain '%'.
  auto percent = node.rfind('%');
  std::string name;
  if (percent == std::string::npos) {
    if (!fixed()) {
      a.kind = Address::Kind::server;
      a.network = node;
      return a;
    }
    a.network = fixed_;
    name = xmpp::unescape_node(node);
  } else {
    a.network = node.substr(percent + 1);
    name = xmpp::unescape_node(node.substr(0, percent));
    if (a.network.empty() || name.empty()) return std::nullopt;
    if (fixed() && a.network != fixed_) return std::nullopt;
  }
  a.name = std::move(name);
  if (looks_like_channel(a.name)) {
    a.kind = Address::Kind::room;
    a.occupant = jid.resource();
  } else {
    a.kind = Address::Kind::user;
  }
  return a;
}

std::string JidMapper::node_for(std::string_view network, std::string_view name) const {
  std::string node = xmpp::escape_node(name);
  if (!fixed()) {
    node += '%';
    node += network;
  }
  return node;
}

std::string JidMapper::room(std::string_view network, std::string_view channel) const {
  auto jid = xmpp::Jid::from_parts(node_for(network, channel), domain_);
  return jid ? jid->bare_str() : std::string();
}

std::string JidMapper::occupant(const std::string& room_jid, std::string_view nick) const {
  // IRC nicks are nearly always printable ASCII, which resourceprep leaves alone: skip libidn
  // on that hot path.
  if (printable_ascii(nick)) return room_jid + "/" + std::string(nick);
  auto room = xmpp::Jid::parse(room_jid);
  if (!room) return room_jid;
  return room->with_resource(nick).str();
}

std::string JidMapper::user(std::string_view network, std::string_view nick) const {
  auto jid = xmpp::Jid::from_parts(node_for(network, nick), domain_);
  return jid ? jid->bare_str() : std::string();
}

std::string JidMapper::server(std::string_view network) const {
  if (fixed()) return domain_;
  auto jid = xmpp::Jid::from_parts(network, domain_);
  return jid ? jid->bare_str() : std::string();
}

}  // namespace junction::irc
