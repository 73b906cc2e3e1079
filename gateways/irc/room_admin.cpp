#include "gateways/irc/room_admin.hpp"

#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

namespace junction::irc {
namespace {

void reply_error(Bridge& b, const xmpp::Element& iq, std::string_view condition, std::string_view text) {
  b.send(xmpp::make_error_reply(iq, "", condition, text));
}

xmpp::Element member_item(Bridge& b, const NetworkSession& s, const Channel& c, const Member& m) {
  xmpp::Element item("item");
  auto privilege = c.privilege(m);
  item.set_attr("affiliation", privilege.affiliation);
  item.set_attr("role", privilege.role);
  item.set_attr("nick", m.nick);
  item.set_attr("jid", b.jids.user(s.network(), m.nick));
  return item;
}

/// The mode letters of a member's status symbols ("@+" -> "ov"), highest first.
std::string status_letters(const ISupport& is, const Member* m) {
  std::string letters;
  if (!m) return letters;
  for (char symbol : m->prefixes)
    if (auto letter = is.mode_for_symbol(symbol)) letters += *letter;
  return letters;
}

IrcMessage mode_line(const Channel& c, const std::string& change, const std::string& target, std::size_t times) {
  std::vector<std::string> params{c.name(), change};
  for (std::size_t i = 0; i < times; ++i) params.push_back(target);
  return make_message("MODE", std::move(params));
}

}  // namespace

std::string_view admin_error_condition(std::string_view numeric) {
  struct Row {
    std::string_view numeric, condition;
  };
  static constexpr Row table[] = {
      {"401", "item-not-found"},           // ERR_NOSUCHNICK
      {"403", "item-not-found"},           // ERR_NOSUCHCHANNEL
      {"441", "item-not-found"},           // ERR_USERNOTINCHANNEL
      {"442", "not-acceptable"},           // ERR_NOTONCHANNEL
      {"472", "feature-not-implemented"},  // ERR_UNKNOWNMODE
      {"478", "resource-constraint"},      // ERR_BANLISTFULL
      {"482", "forbidden"},                // ERR_CHANOPRIVSNEEDED
      {"484", "not-allowed"},              // ERR_ISCHANSERVICE / restricted
  };
  for (const auto& row : table)
    if (row.numeric == numeric) return row.condition;
  return {};
}

bool RoomAdmin::on_iq(const xmpp::Element& iq, const xmpp::Jid& from, const Address& to) {
  const auto* query = iq.child("query", xmpp::ns::muc_admin);
  if (!query) return false;
  NetworkSession* s = b_.sessions.find(from.bare_str(), to.network);
  Channel* c = s ? s->channel(to.name) : nullptr;
  if (!c || c->resources.empty() || !s->registered()) {
    reply_error(b_, iq, "not-acceptable", "join the room first");
    return true;
  }
  b_.sessions.touch(*s);
  if (iq.attr_or("type") == "get")
    list(iq, *query, *s, *c);
  else
    change(iq, *query, *s, *c);
  return true;
}

void RoomAdmin::list(const xmpp::Element& iq, const xmpp::Element& query, NetworkSession& s, Channel& c) {
  std::vector<xmpp::Element> items;
  bool bans = false;
  const auto asked = query.children("item");
  if (asked.empty()) return reply_error(b_, iq, "bad-request", "ask for a role or an affiliation");
  for (const auto* item : asked) {
    const std::string role = item->attr_or("role");
    const std::string affiliation = item->attr_or("affiliation");
    if (affiliation == "outcast") {
      bans = true;
    } else if (role == "moderator" || role == "participant" || role == "visitor") {
      for (const auto& m : c.members())
        if (c.privilege(m).role == role) items.push_back(member_item(b_, s, c, m));
    } else if (affiliation == "owner" || affiliation == "admin" || affiliation == "member") {
      for (const auto& m : c.members())
        if (c.privilege(m).affiliation == affiliation) items.push_back(member_item(b_, s, c, m));
    } else {
      return reply_error(b_, iq, "bad-request",
                         "ask for a role (moderator, participant, visitor) or an affiliation (owner, admin, member, "
                         "outcast)");
    }
  }
  if (!bans) {
    auto reply = xmpp::make_iq_result(iq);
    auto& out = reply.add_child("query", std::string(xmpp::ns::muc_admin));
    for (auto& item : items) out.add_child(std::move(item));
    return b_.send(std::move(reply));
  }
  // The ban list is the server's: ask for it and answer at its end (368).
  Request request{Request::Kind::ban_list, s.user(), s.network(), s.serial(), c.name(), iq, {}, std::move(items), {}, {}, {}};
  add(std::move(request));
  s.link().send(make_message("MODE", {c.name(), "+b"}));
}

void RoomAdmin::change(const xmpp::Element& iq, const xmpp::Element& query, NetworkSession& s, Channel& c) {
  const ISupport& is = s.isupport();
  std::vector<IrcMessage> lines;
  for (const auto* item : query.children("item")) {
    std::string nick = item->attr_or("nick");
    std::string mask;  // a ban mask given as the item's jid
    if (auto jid_text = item->attr_or("jid"); nick.empty() && !jid_text.empty()) {
      auto jid = xmpp::Jid::parse(jid_text);
      auto who = jid ? b_.jids.parse(*jid) : std::nullopt;
      if (who && who->kind == Address::Kind::user && who->network == s.network())
        nick = who->name;
      else if (who && who->kind == Address::Kind::room && !who->occupant.empty())
        nick = who->occupant;
      else
        mask = jid_text;
    }
    if (nick.empty() && mask.empty()) return reply_error(b_, iq, "bad-request", "an item needs a nick or a jid");
    const std::string reason = item->child_text("reason");
    const std::string role = item->attr_or("role");
    const std::string affiliation = item->attr_or("affiliation");
    const Member* member = nick.empty() ? nullptr : c.find(is, nick);
    const std::string letters = status_letters(is, member);
    if (role == "none") {
      if (nick.empty()) return reply_error(b_, iq, "bad-request", "kicking needs a nick");
      std::vector<std::string> params{c.name(), nick};
      if (!reason.empty()) params.push_back(reason);
      lines.push_back(make_message("KICK", std::move(params)));
    } else if (affiliation == "outcast") {
      lines.push_back(mode_line(c, "+b", mask.empty() ? nick + "!*@*" : mask, 1));
    } else if (affiliation == "none" && !letters.empty()) {
      lines.push_back(mode_line(c, "-" + letters, nick, letters.size()));
    } else if (affiliation == "none") {
      // Not a member with a status: lift the ban the gateway would have set.
      lines.push_back(mode_line(c, "-b", mask.empty() ? nick + "!*@*" : mask, 1));
    } else if (nick.empty()) {
      return reply_error(b_, iq, "bad-request", "this change needs a nick");
    } else if (affiliation == "member" || role == "participant") {
      // Voice, and nothing above it.
      std::string above = letters;
      std::erase(above, 'v');
      if (above.empty())
        lines.push_back(mode_line(c, "+v", nick, 1));
      else
        lines.push_back(mode_line(c, "-" + above + "+v", nick, above.size() + 1));
    } else if (affiliation == "admin" || role == "moderator") {
      lines.push_back(mode_line(c, "+o", nick, 1));
    } else if (role == "visitor") {
      lines.push_back(mode_line(c, "-" + (letters.empty() ? std::string("v") : letters), nick,
                                letters.empty() ? 1 : letters.size()));
    } else {
      return reply_error(b_, iq, "feature-not-implemented", "IRC cannot express this change");
    }
  }
  if (lines.empty()) return reply_error(b_, iq, "bad-request", "no item to change");
  Request request{Request::Kind::change, s.user(), s.network(), s.serial(), c.name(), iq, {}, {}, {}, {}, {}};
  const auto id = next_id_;
  request.token = "junction-admin-" + std::to_string(id);
  const std::string token = request.token;
  add(std::move(request));
  for (auto& line : lines) s.link().send(std::move(line));
  // The server answers in order: once this PING's PONG is back, every error is in.
  s.link().send(make_message("PING", {token}));
}

std::uint64_t RoomAdmin::add(Request request) {
  const auto id = next_id_++;
  auto& stored = requests_.emplace(id, std::move(request)).first->second;
  stored.timer = std::make_unique<asio::steady_timer>(b_.ctx.io());
  stored.timer->expires_after(timeout_);
  stored.timer->async_wait([this, id](const boost::system::error_code& ec) {
    if (ec) return;  // answered before, or the gateway is going away
    auto it = requests_.find(id);
    if (it == requests_.end()) return;
    if (it->second.condition.empty()) {
      it->second.condition = "remote-server-timeout";
      it->second.text = "IRC server " + it->second.network + " did not answer";
    }
    complete(it);
  });
  return id;
}

std::map<std::uint64_t, RoomAdmin::Request>::iterator RoomAdmin::find(const NetworkSession& s,
                                                                      std::optional<Request::Kind> kind,
                                                                      std::string_view channel) {
  for (auto it = requests_.begin(); it != requests_.end(); ++it) {
    const Request& r = it->second;
    if (r.serial != s.serial() || (kind && r.kind != *kind)) continue;
    if (!channel.empty() && !s.isupport().same_name(r.channel, channel)) continue;
    return it;
  }
  return requests_.end();
}

void RoomAdmin::complete(std::map<std::uint64_t, Request>::iterator it) {
  Request request = std::move(it->second);
  requests_.erase(it);
  if (!request.condition.empty()) return reply_error(b_, request.iq, request.condition, request.text);
  auto reply = xmpp::make_iq_result(request.iq);
  if (request.kind == Request::Kind::ban_list) {
    auto& out = reply.add_child("query", std::string(xmpp::ns::muc_admin));
    for (auto& item : request.items) out.add_child(std::move(item));
  }
  b_.send(std::move(reply));
}

bool RoomAdmin::rpl_ban_entry(NetworkSession& s, const IrcMessage& m) {
  // 367 me #chan mask [setter [time]]
  auto it = find(s, Request::Kind::ban_list, m.param(1));
  if (it == requests_.end()) return false;
  xmpp::Element item("item");
  item.set_attr("affiliation", "outcast");
  item.set_attr("role", "none");
  item.set_attr("jid", m.param(2));
  if (m.params.size() > 3) item.add_child("reason").set_text("set by " + split_prefix(m.param(3)).nick);
  it->second.items.push_back(std::move(item));
  return true;
}

bool RoomAdmin::rpl_ban_end(NetworkSession& s, const IrcMessage& m) {
  auto it = find(s, Request::Kind::ban_list, m.param(1));
  if (it == requests_.end()) return false;
  complete(it);
  return true;
}

bool RoomAdmin::irc_pong(NetworkSession& s, const IrcMessage& m) {
  for (auto it = requests_.begin(); it != requests_.end(); ++it) {
    const Request& r = it->second;
    if (r.serial != s.serial() || r.token.empty()) continue;
    for (const auto& p : m.params)
      if (p == r.token) {
        complete(it);
        return true;
      }
  }
  return false;
}

bool RoomAdmin::irc_error(NetworkSession& s, const IrcMessage& m) {
  auto condition = admin_error_condition(m.command);
  if (condition.empty() || requests_.empty() || m.params.size() < 2) return false;
  // The channel the error names, if any (482 me #chan, 441 me nick #chan, 401 me nick).
  std::string channel;
  for (std::size_t i = 1; i + 1 < m.params.size(); ++i)
    if (s.isupport().is_channel(m.params[i])) channel = m.params[i];
  auto it = channel.empty() ? find(s, Request::Kind::change, {}) : find(s, std::nullopt, channel);
  if (it == requests_.end()) return false;
  Request& r = it->second;
  if (r.condition.empty()) {
    r.condition = std::string(condition);
    r.text = (channel.empty() ? m.param(1) : channel) + ": " + m.params.back();
  }
  if (r.kind == Request::Kind::ban_list) complete(it);
  return true;
}

}  // namespace junction::irc
