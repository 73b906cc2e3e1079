// Room messages both ways. XMPP -> IRC: PRIVMSG (split by the link, /me as CTCP ACTION), then
// reflected to every joined resource of the sender with the sender's id and origin-id and a
// stanza-id the archive knows. IRC -> XMPP: one groupchat per joined resource. Subject
// changes become TOPIC.
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

// A server-time this far behind our clock means the line was not said just now (a bouncer's
// playback, a server replaying history): the room marks it delayed. Below it, small clock
// differences between the IRC server and us would put a delay on ordinary live messages.
constexpr std::int64_t replay_threshold_ms = 30'000;

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
  if (c && s->reconnecting())  // the link dropped: said so, never silently lost
    return send_error(b_, stanza, "recipient-unavailable",
                      "not sent: the connection to " + s->network() + " was lost (" + s->down_reason() +
                          "), reconnecting");
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
  // A visitor's line would be refused by the server (404) after we had reflected it as sent.
  if (const Member* me = c->find(s->isupport(), s->nick()); me && c->privilege(*me).role == "visitor")
    return send_error(b_, stanza, "forbidden",
                      c->name() + " is moderated (+m) and you have no voice: ask a channel operator for +v");
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
  // The archive keeps when the server saw the line (server-time), not when it reached us.
  std::int64_t ts = now_millis();
  if (auto t = message_time(m)) {
    const std::int64_t said = std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
    if (ts - said > replay_threshold_ms) add_delay(message, said, c->room_jid());
    ts = said;
  }
  broadcast(*c, message);
  archive(s, *c, id, nick, body, ts);
}

}  // namespace junction::irc
