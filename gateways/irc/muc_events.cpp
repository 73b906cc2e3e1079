// What happens on IRC, shown in the rooms: joins, parts, quits, kicks (307), nick changes
// (303), mode changes (roles and affiliations, +m turning the unvoiced into visitors), the
// channel's modes from 324, topics and away-notify.
#include "gateways/irc/muc_bridge.hpp"
#include "xmpp/namespaces.hpp"

#include <set>

namespace junction::irc {

OccupantItem MucBridge::item_for(NetworkSession& s, const Channel& c, const Member& m) const {
  OccupantItem item;
  item.privilege = c.privilege(m);
  item.jid = b_.jids.user(s.network(), m.nick);
  return item;
}

void MucBridge::broadcast(Channel& c, const xmpp::Element& stanza) {
  if (c.resources.empty()) return;
  for (const auto& resource : c.resources) {
    xmpp::Element copy = stanza;
    copy.set_attr("to", resource);
    if (auto waiting = replaying_.find({c.room_jid(), resource}); waiting != replaying_.end())
      waiting->second.push_back(std::move(copy));
    else
      b_.send(std::move(copy));
  }
}

void MucBridge::member_presence(NetworkSession& s, Channel& c, const Member& m, const std::vector<int>& codes) {
  auto p = occupant_presence(b_.jids.occupant(c.room_jid(), m.nick), "", item_for(s, c, m), codes);
  if (m.away()) add_show(p, "away", m.away_text());
  broadcast(c, p);
}

void MucBridge::self_left(NetworkSession& s, Channel& c, const std::vector<int>& codes, const std::string& actor,
                          const std::string& reason) {
  OccupantItem item;
  item.privilege = {"none", "none"};
  item.actor = actor;
  item.reason = reason;
  broadcast(c, occupant_presence(b_.jids.occupant(c.room_jid(), s.nick()), "", item, codes, true));
  forget_channel(s, c.name());
}

void MucBridge::irc_join(NetworkSession& s, const IrcMessage& m) {
  const std::string nick = m.nick();
  const std::string& name = m.param(0);
  if (s.is_me(nick)) {
    // Our own JOIN: from a room join, a persistent room, or a raw command/forced join.
    Channel& c = s.add_channel(name, b_.jids.room(s.network(), name));
    c.joined = true;
    c.clear_members();
    c.names_complete = false;
    // The channel's own modes (+m for roles, +k/+i/+l for disco#info) come as 324.
    s.link().send(make_message("MODE", {name}));
    return;
  }
  Channel* c = s.channel(name);
  if (!c) return;
  const Member& member = c->add(s.isupport(), nick);
  if (c->names_complete) member_presence(s, *c, member);
}

void MucBridge::irc_part(NetworkSession& s, const IrcMessage& m) {
  Channel* c = s.channel(m.param(0));
  if (!c) return;
  const std::string nick = m.nick();
  if (s.is_me(nick)) return self_left(s, *c, {110}, {}, m.param(1));
  auto gone = c->remove(s.isupport(), nick);
  if (!gone || !c->names_complete) return;
  auto item = item_for(s, *c, *gone);
  auto p = occupant_presence(b_.jids.occupant(c->room_jid(), gone->nick), "", item, {}, true);
  add_show(p, "", m.param(1));
  broadcast(*c, p);
}

void MucBridge::irc_quit(NetworkSession& s, const IrcMessage& m) {
  const std::string nick = m.nick();
  if (s.is_me(nick)) return;
  for (auto& [key, c] : s.channels()) {
    auto gone = c.remove(s.isupport(), nick);
    if (!gone || !c.names_complete) continue;
    auto p = occupant_presence(b_.jids.occupant(c.room_jid(), gone->nick), "", item_for(s, c, *gone), {}, true);
    add_show(p, "", m.param(0));
    broadcast(c, p);
  }
}

void MucBridge::irc_kick(NetworkSession& s, const IrcMessage& m) {
  Channel* c = s.channel(m.param(0));
  if (!c) return;
  const std::string& victim = m.param(1);
  const std::string kicker = m.nick();
  const std::string& reason = m.param(2);
  if (s.is_me(victim)) return self_left(s, *c, {110, 307}, kicker, reason);
  auto gone = c->remove(s.isupport(), victim);
  if (!gone || !c->names_complete) return;
  OccupantItem item = item_for(s, *c, *gone);
  item.actor = kicker;
  item.reason = reason;
  broadcast(*c, occupant_presence(b_.jids.occupant(c->room_jid(), gone->nick), "", item, {307}, true));
}

void MucBridge::irc_nick(NetworkSession& s, const IrcMessage& m) {
  const std::string old_nick = m.nick();
  const std::string& new_nick = m.param(0);
  // The link may already have taken the new nick as its own.
  const bool self = s.is_me(old_nick) || s.is_me(new_nick);
  for (auto& [key, c] : s.channels()) {
    if (!c.rename(s.isupport(), old_nick, new_nick) || !c.names_complete) continue;
    const Member* member = c.find(s.isupport(), new_nick);
    OccupantItem item = item_for(s, c, *member);
    item.new_nick = new_nick;
    std::vector<int> codes{303};
    if (self) codes.push_back(110);
    auto gone = occupant_presence(b_.jids.occupant(c.room_jid(), old_nick), "", item, codes, true);
    // An unavailable presence says role none, but 303 keeps the occupant: keep the role.
    if (auto* x = gone.child("x", xmpp::ns::muc_user))
      if (auto* i = x->child("item")) i->set_attr("role", item.privilege.role);
    broadcast(c, gone);
    item.new_nick.clear();
    std::vector<int> codes_after;
    if (self) codes_after.push_back(110);
    auto back = occupant_presence(b_.jids.occupant(c.room_jid(), new_nick), "", item, codes_after);
    if (member->away()) add_show(back, "away", member->away_text());
    broadcast(c, back);
  }
}

void MucBridge::irc_mode(NetworkSession& s, const IrcMessage& m) {
  Channel* c = s.channel(m.param(0));
  if (!c) return;
  const ISupport& is = s.isupport();
  const bool was_moderated = c->modes.has('m');
  std::vector<std::string> params(m.params.begin() + 2, m.params.end());
  std::vector<std::string> changed;
  for (const auto& change : apply_modes(is, c->modes, m.param(1), params))
    if (c->set_status(is, change.nick, change.symbol, change.on)) changed.push_back(change.nick);
  announce_privileges(s, *c, changed, was_moderated);
}

bool MucBridge::rpl_channel_modes(NetworkSession& s, const IrcMessage& m) {
  // 324 me #chan +ntk key: the whole set, replacing what was known.
  Channel* c = s.channel(m.param(1));
  if (!c) return false;
  const bool was_moderated = c->modes.has('m');
  ChannelModes fresh;
  fresh.known = true;
  std::vector<std::string> params(m.params.begin() + 3, m.params.end());
  apply_modes(s.isupport(), fresh, m.param(2), params);
  c->modes = std::move(fresh);
  announce_privileges(s, *c, {}, was_moderated);
  return true;
}

bool MucBridge::irc_cannot_send(NetworkSession& s, const IrcMessage& m) {
  // 404 me #chan :Cannot send to channel. The line was already reflected as sent: say that
  // IRC refused it, and why, where the user is looking.
  Channel* c = s.channel(m.param(1));
  if (!c || c->resources.empty()) return false;
  std::string text = c->name() + ": " + (m.params.size() > 2 ? m.params.back() : std::string("cannot send"));
  const Member* me = c->find(s.isupport(), s.nick());
  if (c->modes.has('m') && (!me || me->prefixes.empty()))
    text += " (the channel is moderated: voice is needed to speak)";
  for (const auto& resource : c->resources) b_.send(room_error(c->room_jid(), resource, "forbidden", text));
  return true;
}

void MucBridge::announce_privileges(NetworkSession& s, Channel& c, std::vector<std::string> nicks,
                                    bool was_moderated) {
  if (!c.names_complete) return;
  const ISupport& is = s.isupport();
  if (was_moderated != c.modes.has('m')) {
    // +m/-m turns everyone without a status symbol into a visitor or back.
    for (const auto& member : c.members())
      if (member.prefixes.empty())
        nicks.push_back(member.nick);
  }
  std::set<std::string> done;
  for (const auto& nick : nicks) {
    if (!done.insert(is.casefold(nick)).second) continue;
    const Member* member = c.find(is, nick);
    if (!member) continue;
    if (s.is_me(nick)) {
      // Our own privileges changed: every resource sees it as its self-presence.
      auto p = occupant_presence(b_.jids.occupant(c.room_jid(), member->nick), "", item_for(s, c, *member), {110});
      if (member->away()) add_show(p, "away", member->away_text());
      broadcast(c, p);
    } else {
      member_presence(s, c, *member);
    }
  }
}

void MucBridge::irc_topic(NetworkSession& s, const IrcMessage& m) {
  Channel* c = s.channel(m.param(0));
  if (!c) return;
  c->topic = m.param(1);
  c->topic_setter = m.nick();
  broadcast(*c, subject_message(b_.jids.occupant(c->room_jid(), c->topic_setter), "", c->topic));
}

void MucBridge::rpl_topic(NetworkSession& s, const IrcMessage& m) {
  if (Channel* c = s.channel(m.param(1))) c->topic = m.param(2);
}

void MucBridge::rpl_topic_who(NetworkSession& s, const IrcMessage& m) {
  // 333 me #chan setter!user@host time
  if (Channel* c = s.channel(m.param(1))) c->topic_setter = split_prefix(m.param(2)).nick;
}

void MucBridge::irc_away(NetworkSession& s, const IrcMessage& m) {
  const std::string nick = m.nick();
  const bool away = !m.params.empty();
  for (auto& [key, c] : s.channels()) {
    Member* member = c.find(s.isupport(), nick);
    if (!member) continue;
    member->set_away(away, away ? std::string_view(m.param(0)) : std::string_view());
    if (c.names_complete) member_presence(s, c, *member);
  }
}

}  // namespace junction::irc
