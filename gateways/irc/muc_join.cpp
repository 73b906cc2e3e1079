// Joining and leaving rooms, join errors, and the member list that completes a join. A join
// is answered in XEP-0045 order: every other occupant, then the self-presence (110, 100, and
// 210 when the IRC nick differs from the one asked for), then history, then the subject.
#include "gateways/irc/muc_bridge.hpp"

#include "util/log.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

#include <chrono>
#include <set>

namespace junction::irc {
namespace {

HistoryRequest history_request(const xmpp::Element& stanza) {
  HistoryRequest request;
  const auto* x = stanza.child("x", xmpp::ns::muc);
  const auto* h = x ? x->child("history", xmpp::ns::muc) : nullptr;
  if (!h) return request;
  auto number = [](std::string_view text) -> std::optional<long long> {
    try {
      return std::stoll(std::string(text));
    } catch (...) {
      return std::nullopt;
    }
  };
  if (auto v = h->attr("maxstanzas"); v) request.max_stanzas = static_cast<int>(number(*v).value_or(0));
  if (auto v = h->attr("maxchars"); v && number(*v).value_or(1) == 0) request.max_stanzas = 0;
  if (auto v = h->attr("seconds"); v) {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    request.since_ms = now - number(*v).value_or(0) * 1000;
  }
  if (auto v = h->attr("since"); v)
    if (auto t = parse_xep0082(*v)) request.since_ms = std::max(request.since_ms.value_or(0), *t);
  return request;
}

}  // namespace

std::string_view join_error_condition(std::string_view numeric) {
  // IRC numeric -> XEP-0045 section 7.2 condition. 405 (too many channels) has no MUC
  // equivalent: it is the network's per-user limit, so policy-violation.
  struct Row {
    std::string_view numeric, condition;
  };
  static constexpr Row table[] = {
      {"403", "item-not-found"},         // ERR_NOSUCHCHANNEL
      {"405", "policy-violation"},       // ERR_TOOMANYCHANNELS
      {"471", "service-unavailable"},    // ERR_CHANNELISFULL
      {"473", "registration-required"},  // ERR_INVITEONLYCHAN
      {"474", "forbidden"},              // ERR_BANNEDFROMCHAN
      {"475", "not-authorized"},         // ERR_BADCHANNELKEY
      {"476", "jid-malformed"},          // ERR_BADCHANMASK
      {"477", "registration-required"},  // ERR_NEEDREGGEDNICK
      {"479", "jid-malformed"},          // ERR_BADCHANNAME (some ircds)
  };
  for (const auto& row : table)
    if (row.numeric == numeric) return row.condition;
  return {};
}

void MucBridge::on_presence(const xmpp::Element& stanza, const xmpp::Jid& from, const Address& to) {
  const auto type = stanza.attr_or("type");
  if (type == "error") return;
  if (type == "unavailable") return leave(from, to);
  if (!type.empty()) return;
  join(stanza, from, to);
}

void MucBridge::join(const xmpp::Element& stanza, const xmpp::Jid& from, const Address& to) {
  const std::string user = from.bare_str();
  const std::string room = b_.jids.room(to.network, to.name);
  const std::string asked = room + "/" + to.occupant;
  if (to.occupant.empty()) {
    b_.send(join_error(room, from.str(), stanza.attr_or("id"), "jid-malformed", "a nick is needed to join"));
    return;
  }
  auto opened = b_.sessions.open(user, to.network, to.occupant);
  if (!opened) {
    b_.send(join_error(asked, from.str(), stanza.attr_or("id"), "item-not-found", opened.error().message));
    return;
  }
  NetworkSession& s = **opened;
  b_.sessions.touch(s);
  Channel* c = s.channel(to.name);
  const std::string resource = from.str();

  if (c && c->resources.count(resource)) {
    // Already in the room: a nick change or a status change.
    if (!s.is_me(to.occupant)) s.link().send(make_message("NICK", {to.occupant}));
    return;
  }
  PendingJoin pending{resource, to.occupant, stanza.attr_or("id"), history_request(stanza)};
  if (c) {
    // Asked again while waiting (typically a client rejoining while we reconnect): the
    // latest request is the one answered.
    for (auto& p : c->pending)
      if (p.resource == resource) {
        p = std::move(pending);
        return;
      }
  }
  if (c && c->names_complete) {
    complete_join(s, *c, pending);
    return;
  }
  if (c) {
    c->pending.push_back(std::move(pending));
    return;
  }
  Channel& created = s.add_channel(to.name, room);
  const auto* x = stanza.child("x", xmpp::ns::muc);
  created.key = x ? x->child_text("password", xmpp::ns::muc) : std::string();
  created.pending.push_back(std::move(pending));
  join_when_registered(s, created.name());
}

void MucBridge::join_when_registered(NetworkSession& s, const std::string& name) {
  s.when_registered([this, &s, name] {
    // Everyone may have left again before the server welcomed us.
    if (Channel* c = s.channel(name)) send_join(s, *c);
  });
}

void MucBridge::send_join(NetworkSession& s, Channel& c) {
  if (!s.claim_join(c.name())) return;
  std::vector<std::string> params{c.name()};
  if (!c.key.empty()) params.push_back(c.key);
  s.link().send(make_message("JOIN", std::move(params)));
}

void MucBridge::join_channels(NetworkSession& s) {
  // After a reconnection every channel still wanted (whoever left meanwhile took their
  // channel with them); JOINs queued for this registration find theirs claimed.
  for (auto& [key, c] : s.channels()) send_join(s, c);
}

void MucBridge::set_persistent(NetworkSession& s, const std::vector<std::string>& rooms) {
  std::set<std::string> wanted;
  for (const auto& name : rooms) {
    if (!looks_like_channel(name)) continue;
    wanted.insert(s.isupport().casefold(name));
    if (Channel* existing = s.channel(name)) {
      existing->persistent = true;
      continue;
    }
    Channel& c = s.add_channel(name, b_.jids.room(s.network(), name));
    c.persistent = true;
    join_when_registered(s, name);
  }
  std::vector<std::string> dropped;
  for (auto& [key, c] : s.channels())
    if (c.persistent && !wanted.count(key)) {
      c.persistent = false;
      dropped.push_back(c.name());
    }
  for (const auto& name : dropped)
    if (Channel* c = s.channel(name)) part_if_unused(s, *c);
}

void MucBridge::complete_join(NetworkSession& s, Channel& c, const PendingJoin& join) {
  const std::string& to = join.resource;
  const Member* self = nullptr;
  for (const auto& member : c.members()) {
    if (s.is_me(member.nick)) {
      self = &member;
      continue;
    }
    auto p = occupant_presence(b_.jids.occupant(c.room_jid(), member.nick), to, item_for(s, c, member));
    if (member.away()) add_show(p, "away", member.away_text());
    b_.send(std::move(p));
  }
  Member fallback;
  fallback.nick = s.nick();
  std::vector<int> codes{100, 110};
  if (join.requested_nick != s.nick()) codes.push_back(210);
  b_.send(occupant_presence(b_.jids.occupant(c.room_jid(), s.nick()), to, item_for(s, c, self ? *self : fallback), codes));
  c.resources.insert(to);
  send_history_then_subject(s, c, join);
}

void MucBridge::send_history_then_subject(NetworkSession& s, Channel& c, const PendingJoin& join) {
  int wanted = join.history.max_stanzas.value_or(b_.options.history_on_join);
  if (!b_.archiving() || wanted <= 0) return send_subject(s, c, join.resource);
  ArchiveQuery q;
  q.owner = s.user();
  q.room = c.room_jid();
  q.start_ms = join.history.since_ms;
  q.before = "";
  q.max = static_cast<std::size_t>(wanted);
  // The session or the channel may be gone when the archive answers: look them up again.
  std::string user = s.user(), network = s.network(), channel = c.name(), resource = join.resource;
  const std::pair<std::string, std::string> key{c.room_jid(), resource};
  replaying_[key];  // live stanzas for this resource wait until history and subject are out
  // The subject as it is now: a topic change during the read is queued and follows it.
  auto subject = subject_for(c, resource);
  b_.history->query(std::move(q), [this, user, network, channel, resource, key,
                                   subject = std::move(subject)](Result<ArchivePage> page) mutable {
    std::vector<xmpp::Element> waiting;
    if (auto it = replaying_.find(key); it != replaying_.end()) {
      waiting = std::move(it->second);
      replaying_.erase(it);
    }
    NetworkSession* session = b_.sessions.find(user, network);
    Channel* ch = session ? session->channel(channel) : nullptr;
    if (!ch || !ch->resources.count(resource)) return;
    std::set<std::string> replayed;
    if (page) {
      for (const auto& m : page->messages) {
        auto message = groupchat(b_.jids.occupant(ch->room_jid(), m.nick), resource, m.body, {}, {}, {});
        add_delay(message, m.ts_ms, ch->room_jid());
        b_.send(std::move(message));
        replayed.insert(m.id);
      }
    } else {
      log::warn("irc", "history for {} unavailable: {}", ch->room_jid(), page.error().message);
    }
    b_.send(std::move(subject));
    for (auto& stanza : waiting) {
      // A line archived while the read was queued is in the history already.
      const auto* sid = stanza.child("stanza-id", xmpp::ns::sid);
      if (sid && replayed.count(sid->attr_or("id"))) continue;
      b_.send(std::move(stanza));
    }
  });
}

void MucBridge::send_subject(NetworkSession&, Channel& c, const std::string& resource) {
  // XEP-0045 requires a subject message, even an empty one: it tells the client the join
  // is complete.
  b_.send(subject_for(c, resource));
}

xmpp::Element MucBridge::subject_for(const Channel& c, const std::string& resource) const {
  std::string from = c.topic_setter.empty() ? c.room_jid() : b_.jids.occupant(c.room_jid(), c.topic_setter);
  return subject_message(from, resource, c.topic);
}

void MucBridge::leave(const xmpp::Jid& from, const Address& to) {
  NetworkSession* s = b_.sessions.find(from.bare_str(), to.network);
  Channel* c = s ? s->channel(to.name) : nullptr;
  const std::string resource = from.str();
  if (!c) return;
  std::erase_if(c->pending, [&](const PendingJoin& p) { return p.resource == resource; });
  if (c->resources.erase(resource)) {
    OccupantItem item;
    item.privilege = {"none", "none"};
    if (Member* me = c->find(s->isupport(), s->nick())) item.privilege.affiliation = privilege_for(me->prefixes).affiliation;
    b_.send(occupant_presence(b_.jids.occupant(c->room_jid(), s->nick()), resource, item, {110}, true));
  }
  part_if_unused(*s, *c);
}

void MucBridge::part_if_unused(NetworkSession& s, Channel& c) {
  if (!c.resources.empty() || !c.pending.empty() || c.persistent) return;
  if (s.registered()) s.link().send(make_message("PART", {c.name()}));
  forget_channel(s, c.name());
}

void MucBridge::forget_channel(NetworkSession& s, const std::string& name) {
  s.remove_channel(name);
  if (s.channels().empty()) b_.sessions.idle(s);
}

void MucBridge::resource_gone(const std::string& user, const std::string& full) {
  for (NetworkSession* s : b_.sessions.of_user(user)) {
    std::vector<std::string> names;
    for (auto& [key, c] : s->channels()) {
      c.resources.erase(full);
      std::erase_if(c.pending, [&](const PendingJoin& p) { return p.resource == full; });
      names.push_back(c.name());
    }
    for (const auto& name : names)
      if (Channel* c = s->channel(name)) part_if_unused(*s, *c);
    if (s->channels().empty() && !b_.user_online(user)) b_.sessions.idle(*s);
  }
}

void MucBridge::rpl_names(NetworkSession& s, const IrcMessage& m) {
  // 353 me <=|*|@> #chan :nick @nick +nick
  Channel* c = s.channel(m.param(2));
  if (!c) return;
  std::string_view names = m.param(3);
  while (!names.empty()) {
    auto space = names.find(' ');
    auto entry = names.substr(0, space);
    if (!entry.empty()) c->add_from_names(s.isupport(), entry);
    if (space == std::string_view::npos) break;
    names.remove_prefix(space + 1);
  }
}

void MucBridge::rpl_end_of_names(NetworkSession& s, const IrcMessage& m) {
  Channel* c = s.channel(m.param(1));
  if (!c) return;
  c->names_complete = true;
  auto pending = std::move(c->pending);
  c->pending.clear();
  std::string name = c->name();
  for (const auto& join : pending) {
    // A history answer may come later; the channel itself stays put in the map.
    Channel* ch = s.channel(name);
    if (!ch) break;
    complete_join(s, *ch, join);
  }
}

bool MucBridge::irc_join_error(NetworkSession& s, const IrcMessage& m) {
  auto condition = join_error_condition(m.command);
  Channel* c = s.channel(m.param(1));
  if (condition.empty() || !c || c->joined || c->pending.empty()) return false;
  std::string text = m.params.size() > 2 ? m.params.back() : std::string(condition);
  for (const auto& p : c->pending)
    b_.send(join_error(b_.jids.occupant(c->room_jid(), p.requested_nick), p.resource, p.stanza_id, condition, text));
  c->pending.clear();
  if (c->resources.empty()) forget_channel(s, c->name());
  return true;
}

bool MucBridge::wants_reconnect(const NetworkSession& s) const {
  for (const auto& [key, c] : s.channels()) {
    if (c.persistent) return true;
    // A network that never welcomed us is not retried for a join: the user gets the error.
    if (s.ever_registered() && (!c.resources.empty() || !c.pending.empty())) return true;
  }
  return false;
}

void MucBridge::link_down(NetworkSession& s, const std::string& reason) {
  std::vector<std::string> unwanted;
  for (auto& [key, c] : s.channels()) {
    if (!s.ever_registered()) {
      // Only persistent rooms wait for a network that never answered; joins fail now.
      for (const auto& p : c.pending)
        b_.send(join_error(b_.jids.occupant(c.room_jid(), p.requested_nick), p.resource, p.stanza_id,
                           "remote-server-not-found", "IRC server " + s.network() + ": " + reason));
      c.pending.clear();
    }
    // Out of the room as far as the clients are concerned (332), and back in it by
    // themselves once the server has us again: each resource becomes a pending join.
    for (const auto& resource : c.resources) {
      OccupantItem item;
      item.privilege = {"none", "none"};
      auto p = occupant_presence(b_.jids.occupant(c.room_jid(), s.nick()), resource, item, {110, 332}, true);
      add_show(p, "", "Disconnected from IRC: " + reason + "; reconnecting");
      b_.send(std::move(p));
      PendingJoin rejoin{resource, s.nick(), {}, {}};
      rejoin.history.max_stanzas = 0;  // nothing was archived while we were away
      c.pending.push_back(std::move(rejoin));
    }
    c.resources.clear();
    c.joined = false;
    c.names_complete = false;
    c.clear_members();
    if (c.pending.empty() && !c.persistent) unwanted.push_back(c.name());
  }
  for (const auto& name : unwanted) s.remove_channel(name);
  if (s.channels().empty()) b_.sessions.idle(s);
}

void MucBridge::link_lost(NetworkSession& s, const std::string& reason, bool failed) {
  for (auto& [key, c] : s.channels()) {
    for (const auto& p : c.pending)
      b_.send(join_error(b_.jids.occupant(c.room_jid(), p.requested_nick), p.resource, p.stanza_id,
                         failed ? "remote-server-not-found" : "service-unavailable",
                         "IRC server " + s.network() + ": " + reason));
    // 332: removed because the service (here: the IRC link) went away.
    for (const auto& resource : c.resources) {
      OccupantItem item;
      item.privilege = {"none", "none"};
      auto p = occupant_presence(b_.jids.occupant(c.room_jid(), s.nick()), resource, item, {110, 332}, true);
      add_show(p, "", "Disconnected from IRC: " + reason);
      b_.send(std::move(p));
    }
  }
  s.channels().clear();
}

}  // namespace junction::irc
