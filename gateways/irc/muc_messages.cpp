// Room messages both ways. XMPP -> IRC: PRIVMSG (split by the link, /me as CTCP ACTION), then
// reflected to every joined resource of the sender with the sender's id and origin-id and a
// stanza-id the archive knows. IRC -> XMPP: one groupchat per joined resource. Subject
// changes become TOPIC; muc#admin items become KICK and MODE.
#include "gateways/irc/ctcp.hpp"
#include "gateways/irc/formatting.hpp"
#include "gateways/irc/muc_bridge.hpp"
#include "gateways/irc/server_time.hpp"
#include "gateways/irc/splitter.hpp"
#include "util/clock.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

namespace junction::irc {
namespace {

// A CTCP ACTION must not be cut by the link's splitter (the closing \x01 would be lost), so
// /me bodies are cut here with room to spare for the framing.
constexpr std::size_t action_piece = 350;

void send_error(Bridge& b, const xmpp::Element& stanza, std::string_view condition, std::string_view text) {
  if (stanza.attr_or("type") == "error") return;
  b.send(xmpp::make_error_reply(stanza, "", condition, text));
}

}  // namespace

void send_body(IrcLink& link, const std::string& target, const std::string& body) {
  if (is_me_command(body)) {
    for (const auto& piece : split_message(std::string_view(body).substr(4), action_piece))
      link.send_text("PRIVMSG", target, make_ctcp("ACTION", piece));
    return;
  }
  link.send_text("PRIVMSG", target, body);
}

void MucBridge::archive(NetworkSession& s, Channel& c, const std::string& id, const std::string& nick,
                        const std::string& body, std::int64_t ts_ms) {
  if (!b_.archiving()) return;
  b_.history->append({s.user(), c.room_jid(), id, ts_ms, nick, body});
}

void MucBridge::on_groupchat(const xmpp::Element& stanza, const xmpp::Jid& from, const Address& to) {
  NetworkSession* s = b_.sessions.find(from.bare_str(), to.network);
  Channel* c = s ? s->channel(to.name) : nullptr;
  if (!c || !c->resources.count(from.str()))
    return send_error(b_, stanza, "not-acceptable", "join the room before sending messages to it");
  if (!s->registered()) return send_error(b_, stanza, "recipient-unavailable", "not connected to IRC yet");
  b_.sessions.touch(*s);
  const std::string body = stanza.child_text("body");
  if (const auto* subject = stanza.child("subject"); subject && body.empty()) {
    s->link().send(make_message("TOPIC", {c->name(), subject->text()}));
    return;
  }
  if (body.empty()) return;  // chat states and markers have no IRC form
  send_body(s->link(), c->name(), body);

  const std::string stanza_id = b_.archiving() ? b_.history->next_id() : std::string();
  const std::string from_occupant = b_.jids.occupant(c->room_jid(), s->nick());
  auto reflected = groupchat(from_occupant, "", body, stanza.attr_or("id"), stanza_id, c->room_jid());
  if (const auto* origin = stanza.child("origin-id", xmpp::ns::sid)) reflected.add_child(*origin);
  broadcast(*c, reflected);
  archive(*s, *c, stanza_id, s->nick(), body, now_millis());
}

void MucBridge::irc_channel_text(NetworkSession& s, const IrcMessage& m) {
  Channel* c = s.channel(m.param(0));
  if (!c) return;
  const std::string nick = m.nick();
  // echo-message sends our own lines back; they were reflected when sent.
  if (s.is_me(nick) || s.link().is_ctcp_query(m)) return;
  std::string body = irc_to_styling(action_to_me(m.param(1)));
  if (body.empty()) return;
  if (m.command == "NOTICE" && !is_me_command(body)) body = "[notice] " + body;
  const std::string id = b_.archiving() ? b_.history->next_id() : std::string();
  auto message = groupchat(b_.jids.occupant(c->room_jid(), nick), "", body, {}, id, c->room_jid());
  broadcast(*c, message);
  std::int64_t ts = now_millis();
  if (auto t = message_time(m)) ts = std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
  archive(s, *c, id, nick, body, ts);
}

bool MucBridge::on_admin_iq(const xmpp::Element& iq, const xmpp::Jid& from, const Address& to) {
  const auto* query = iq.child("query", xmpp::ns::muc_admin);
  if (!query) return false;
  if (iq.attr_or("type") != "set") {
    b_.send(xmpp::make_error_reply(iq, "", "feature-not-allowed", "IRC has no affiliation lists to read"));
    return true;
  }
  NetworkSession* s = b_.sessions.find(from.bare_str(), to.network);
  Channel* c = s ? s->channel(to.name) : nullptr;
  if (!c || c->resources.empty() || !s->registered()) {
    b_.send(xmpp::make_error_reply(iq, "", "not-acceptable", "join the room first"));
    return true;
  }
  std::vector<IrcMessage> lines;
  for (const auto* item : query->children("item")) {
    std::string nick = item->attr_or("nick");
    if (nick.empty())
      if (auto jid = xmpp::Jid::parse(item->attr_or("jid"))) {
        if (auto who = b_.jids.parse(*jid); who && who->kind == Address::Kind::user) nick = who->name;
      }
    const std::string reason = item->child_text("reason");
    const std::string role = item->attr_or("role");
    const std::string affiliation = item->attr_or("affiliation");
    if (nick.empty()) {
      b_.send(xmpp::make_error_reply(iq, "", "bad-request", "an item needs a nick"));
      return true;
    }
    if (role == "none") {
      lines.push_back(make_message("KICK", reason.empty() ? std::vector<std::string>{c->name(), nick}
                                                          : std::vector<std::string>{c->name(), nick, reason}));
    } else if (affiliation == "outcast") {
      lines.push_back(make_message("MODE", {c->name(), "+b", nick + "!*@*"}));
    } else if (role == "participant") {
      lines.push_back(make_message("MODE", {c->name(), "+v", nick}));
    } else if (role == "visitor") {
      lines.push_back(make_message("MODE", {c->name(), "-v", nick}));
    } else if (role == "moderator") {
      lines.push_back(make_message("MODE", {c->name(), "+o", nick}));
    } else {
      b_.send(xmpp::make_error_reply(iq, "", "feature-not-implemented", "IRC cannot express this change"));
      return true;
    }
  }
  for (auto& line : lines) s->link().send(std::move(line));
  b_.send(xmpp::make_iq_result(iq));
  return true;
}

}  // namespace junction::irc
