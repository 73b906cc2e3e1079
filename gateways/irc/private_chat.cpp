#include "gateways/irc/private_chat.hpp"

#include "gateways/irc/ctcp.hpp"
#include "gateways/irc/formatting.hpp"
#include "gateways/irc/muc_bridge.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

#include <stdexcept>
#include <string>

namespace junction::irc {
namespace {

void send_error(Bridge& b, const xmpp::Element& stanza, std::string_view condition, std::string_view text) {
  if (stanza.attr_or("type") == "error") return;
  b.send(xmpp::make_error_reply(stanza, "", condition, text));
}

// A source without "!" is a server (or a service speaking as one).
bool from_server(const IrcMessage& m) { return m.prefix.empty() || m.prefix.find('!') == std::string::npos; }

std::string numeric_text(const IrcMessage& m) {
  // Numerics start with our nick; the rest reads as a sentence.
  std::string text;
  for (std::size_t i = 1; i < m.params.size(); ++i) {
    if (!text.empty()) text += ' ';
    text += m.params[i];
  }
  return text;
}

}  // namespace

void PrivateChat::chat(const std::string& from, const std::string& to, const std::string& body) {
  xmpp::Element message("message");
  message.set_attr("from", from);
  message.set_attr("to", to);
  message.set_attr("type", "chat");
  message.add_child("body").set_text(body);
  b_.send(std::move(message));
}

void PrivateChat::to_user(const xmpp::Element& stanza, const xmpp::Jid& from, const std::string& network,
                          const std::string& nick) {
  const std::string body = stanza.child_text("body");
  if (body.empty()) return;
  auto opened = b_.sessions.open(from.bare_str(), network, {});
  if (!opened) return send_error(b_, stanza, "item-not-found", opened.error().message);
  NetworkSession& s = **opened;
  b_.sessions.touch(s);
  auto bounce = stanza;
  s.when_registered([&s, nick, body] { send_body(s.link(), nick, body); },
                    [this, bounce](const std::string& reason) {
                      send_error(b_, bounce, "remote-server-not-found", "not sent: " + reason);
                    });
}

void PrivateChat::to_server(const xmpp::Element& stanza, const xmpp::Jid& from, const std::string& network) {
  const std::string body = stanza.child_text("body");
  if (body.empty()) return;
  if (body.find_first_of("\r\n") != std::string::npos || body.find('\0') != std::string::npos)
    return send_error(b_, stanza, "not-acceptable", "one IRC command per message, on one line");
  auto opened = b_.sessions.open(from.bare_str(), network, {});
  if (!opened) return send_error(b_, stanza, "item-not-found", opened.error().message);
  NetworkSession& s = **opened;
  b_.sessions.touch(s);
  auto bounce = stanza;
  s.when_registered(
      [this, &s, body, bounce] {
        if (!s.link().send_raw(body)) return send_error(b_, bounce, "bad-request", "not an IRC command");
        // The server closing the link after this is the user's wish, not a drop to repair.
        if (auto sent = parse(body); sent && sent->command == "QUIT") s.user_quit = true;
      },
      [this, bounce](const std::string& reason) {
        send_error(b_, bounce, "remote-server-not-found", "not sent: " + reason);
      });
}

void PrivateChat::user_presence(const xmpp::Element& stanza, const xmpp::Jid& from) {
  if (!stanza.attr_or("type").empty()) return;
  int priority = 0;
  try {
    priority = std::stoi(stanza.child_text("priority"));
  } catch (const std::exception&) {
    // absent or not a number: 0, as RFC 6121 says
  }
  const std::string user = from.bare_str();
  presence_[user].update(from.str(), stanza.child_text("show"), stanza.child_text("status"), priority);
  away_changed(user);
}

void PrivateChat::resource_gone(const xmpp::Jid& full) {
  auto it = presence_.find(full.bare_str());
  if (it == presence_.end()) return;
  it->second.remove(full.str());
  // The last resource going offline says nothing about being back: IRC keeps its state.
  if (it->second.empty()) {
    presence_.erase(it);
    return;
  }
  away_changed(full.bare_str());
}

void PrivateChat::away_changed(const std::string& user) {
  const std::string away = presence_[user].away_text();
  auto& current = away_[user];
  if (current == away) return;
  current = away;
  for (NetworkSession* s : b_.sessions.of_user(user)) apply_away(*s, away);
}

void PrivateChat::apply_away(NetworkSession& s, const std::string& away) {
  if (s.away == away || !s.registered()) return;
  s.away = away;
  s.link().send(away.empty() ? make_message("AWAY", {}) : make_message("AWAY", {away}));
}

void PrivateChat::registered(NetworkSession& s) {
  auto it = away_.find(s.user());
  if (it != away_.end() && !it->second.empty()) apply_away(s, it->second);
}

void PrivateChat::irc_private_text(NetworkSession& s, const IrcMessage& m) {
  const std::string nick = m.nick();
  if (!from_server(m) && s.is_me(nick)) return;  // echo-message of what we sent
  if (s.link().is_ctcp_query(m)) return;
  std::string text = m.param(1);
  if (from_server(m)) {
    chat(b_.jids.server(s.network()), s.user(), strip_formatting(text));
    return;
  }
  if (auto ctcp = parse_ctcp(text); ctcp && ctcp->command != "ACTION") {
    if (m.command != "NOTICE") return;
    text = "CTCP " + ctcp->command + " reply: " + ctcp->params;
  }
  std::string body = irc_to_styling(action_to_me(text));
  if (body.empty()) return;
  chat(b_.jids.user(s.network(), nick), s.user(), body);
}

void PrivateChat::irc_invite(NetworkSession& s, const IrcMessage& m) {
  // XEP-0045 mediated invitation, from the room.
  const std::string& channel = m.param(1);
  xmpp::Element message("message");
  message.set_attr("from", b_.jids.room(s.network(), channel));
  message.set_attr("to", s.user());
  auto& x = message.add_child("x", std::string(xmpp::ns::muc_user));
  x.add_child("invite").set_attr("from", b_.jids.user(s.network(), m.nick()));
  message.add_child("body").set_text(m.nick() + " invites you to " + channel);
  b_.send(std::move(message));
}

void PrivateChat::server_text(NetworkSession& s, const IrcMessage& m) {
  std::string text = m.is_numeric() ? numeric_text(m) : m.params.empty() ? m.command : m.params.back();
  if (text.empty()) return;
  chat(b_.jids.server(s.network()), s.user(), strip_formatting(text));
}

void PrivateChat::motd_line(NetworkSession& s, const IrcMessage& m) {
  if (!s.motd.empty()) s.motd += '\n';
  s.motd += strip_formatting(m.param(1));
}

void PrivateChat::motd_end(NetworkSession& s, const IrcMessage& m) {
  std::string text = std::move(s.motd);
  s.motd.clear();
  if (m.command == "422") text = m.param(1);
  if (!text.empty()) chat(b_.jids.server(s.network()), s.user(), text);
}

}  // namespace junction::irc
