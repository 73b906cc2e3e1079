#pragma once
// Test doubles for the IRC gateway: a GatewayContext that records what is sent (with an
// in-memory store and synchronous offload), and scripted IRC links. Tests only.
#include "core/testing/fake_gateway_context.hpp"
#include "gateways/irc/irc_gateway.hpp"
#include "gateways/irc/irc_link.hpp"
#include "store/sqlite_store.hpp"
#include "util/metrics.hpp"
#include "xmpp/stream_parser.hpp"

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <sstream>
#include <string>
#include <vector>

namespace junction::irc::testing {

// The shared fake context (core/testing), but stanzas delivered durably land in `sent`
// with the others, every user is allowed, online resources come from `online`, and worker
// jobs can be held back to test what happens while they run.
class FakeContext final : public core::testing::FakeGatewayContext {
 public:
  explicit FakeContext(const std::string& toml)
      : FakeGatewayContext("irc", "irc.example.org", toml::parse(toml)) {}

  Result<bool> deliver(xmpp::Element stanza, const std::string&, const std::string&) override {
    sent.push_back(std::move(stanza));
    return true;
  }
  void offload(std::function<void()> work, std::function<void()> done) override {
    if (hold_offload) {
      held.push_back({std::move(work), std::move(done)});
      return;
    }
    work();
    done();
  }
  std::string public_url() const override { return {}; }
  bool user_allowed(const xmpp::Jid&) const override { return true; }
  std::vector<xmpp::Jid> online_resources(const xmpp::Jid& bare) const override {
    std::vector<xmpp::Jid> out;
    auto it = online.find(bare.bare_str());
    if (it != online.end())
      for (const auto& r : it->second) out.push_back(*xmpp::Jid::parse(r));
    return out;
  }
  void set_contact_presence(const xmpp::Jid&, const xmpp::Element& presence) override { sent.push_back(presence); }

  /// Runs held worker jobs in order.
  void run_held() {
    while (!held.empty()) {
      auto job = std::move(held.front());
      held.pop_front();
      job.first();
      job.second();
    }
  }
  /// Takes everything sent so far.
  std::vector<xmpp::Element> take() { return std::exchange(sent, {}); }

  std::map<std::string, std::vector<std::string>> online;
  bool hold_offload = false;
  std::deque<std::pair<std::function<void()>, std::function<void()>>> held;
  store::SqliteStore& sqlite() { return *store_; }
};

class FakeLink final : public IrcLink {
 public:
  FakeLink(NetworkConfig network, UserIdentity identity, Events events)
      : network(std::move(network)), identity(std::move(identity)), events(std::move(events)), nick_(this->identity.nick) {}

  void connect() override { ++connects; }
  void send(IrcMessage message) override {
    auto line = message.serialize();
    lines.push_back(line ? *line : "<unserializable>");
  }
  void send_text(const std::string& command, const std::string& target, const std::string& text) override {
    std::istringstream in(text);
    for (std::string piece; std::getline(in, piece);)
      if (!piece.empty()) send(make_message(command, {target, piece}));
  }
  bool send_raw(std::string_view line) override {
    if (line.find_first_of("\r\n") != std::string_view::npos) return false;
    auto parsed = parse(line);
    if (!parsed) return false;
    send(*parsed);
    return true;
  }
  void quit(const std::string& reason, std::function<void()> done) override {
    lines.push_back("QUIT :" + reason);
    quit_reason = reason;
    if (quits) quits->push_back(reason);
    done();
  }
  bool registered() const override { return registered_; }
  const std::string& nick() const override { return nick_; }
  const ISupport& isupport() const override { return isupport_; }
  bool cap_enabled(std::string_view cap) const override { return caps.count(std::string(cap)) > 0; }
  std::chrono::milliseconds lag() const override { return std::chrono::milliseconds(12); }
  bool is_ctcp_query(const IrcMessage& m) const override {
    return m.command == "PRIVMSG" && m.param(1).starts_with("\x01") && !m.param(1).starts_with("\x01" "ACTION");
  }

  /// The server accepts us under `as` (the wanted nick by default).
  void welcome(const std::string& as = {}) {
    if (!as.empty()) nick_ = as;
    registered_ = true;
    events.on_registered(nick_);
  }
  /// The connection drops after registration (the link object stays, as IrcConnection does).
  void drop(const std::string& reason) {
    registered_ = false;
    events.on_disconnected(reason);
  }
  /// A connection attempt fails before registration.
  void refuse(const std::string& reason) {
    registered_ = false;
    events.on_failed(reason);
  }
  /// Feeds one server line.
  void receive(std::string_view line) {
    auto parsed = parse(line);
    if (!parsed) throw std::runtime_error("bad test line");
    if (parsed->command == "NICK" && isupport_.same_name(parsed->nick(), nick_)) nick_ = parsed->param(0);
    if (parsed->command == "005") isupport_.apply(*parsed);
    events.on_message(*parsed);
  }
  std::vector<std::string> take_lines() { return std::exchange(lines, {}); }

  NetworkConfig network;
  UserIdentity identity;
  Events events;
  std::vector<std::string> lines;
  std::set<std::string> caps;
  std::string quit_reason;
  /// Outlives the link (which is destroyed once it has quit).
  std::vector<std::string>* quits = nullptr;
  int connects = 0;

 private:
  bool registered_ = false;
  std::string nick_;
  ISupport isupport_;
};

/// Builds FakeLinks and remembers them, newest last.
struct FakeNetwork {
  IrcLinkFactory factory() {
    return [this](const NetworkConfig& n, const UserIdentity& id, IrcLink::Events e) -> std::unique_ptr<IrcLink> {
      auto link = std::make_unique<FakeLink>(n, id, std::move(e));
      link->quits = &quits;
      links.push_back(link.get());
      return link;
    };
  }
  FakeLink& last() { return *links.back(); }
  std::vector<FakeLink*> links;  // dangling once a session is disposed
  std::vector<std::string> quits;
};

inline const char* default_config = R"(
kind = "irc"
domain = "irc.example.org"
secret = "s"
grace_seconds = 30
[networks.libera]
host = "irc.libera.chat"
port = 6697
tls = true
[networks.oftc]
host = "irc.oftc.net"
)";

/// A stanza from text (test input).
inline xmpp::Element stanza(const std::string& xml) {
  std::vector<xmpp::Element> got;
  xmpp::StreamParser parser({.on_stream_open = {},
                             .on_stanza = [&](xmpp::Element&& e) { got.push_back(std::move(e)); },
                             .on_stream_close = {},
                             .on_error = [](const xmpp::StreamError& e) { throw std::runtime_error(e.text); }});
  parser.feed("<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>");
  parser.feed(xml);
  if (got.size() != 1) throw std::runtime_error("expected one stanza: " + xml);
  return got.front();
}

/// Hands a stanza to the gateway the way the host routes it.
inline void route(core::Gateway& gateway, const std::string& xml) {
  auto e = stanza(xml);
  auto from = *xmpp::Jid::parse(e.attr_or("from"));
  auto to = *xmpp::Jid::parse(e.attr_or("to"));
  if (e.name() == "message") gateway.on_message(e, from, to);
  if (e.name() == "presence") gateway.on_presence(e, from, to);
  if (e.name() == "iq" && !gateway.on_iq(e, from, to)) throw std::runtime_error("iq not handled");
}

/// A gateway wired to fakes, with helpers for the usual dialogues.
struct Harness {
  explicit Harness(const std::string& config = default_config) : ctx(config) {
    gateway = std::make_unique<IrcGateway>(ctx, net.factory());
    gateway->start();
  }
  ~Harness() {
    gateway.reset();
    ctx.io().poll();
  }
  void in(const std::string& xml) { route(*gateway, xml); }
  FakeLink& link() { return net.last(); }
  /// Joins #chan on libera as `nick` from alice@example.org/phone and completes the join
  /// with the given NAMES list; returns the stanzas sent.
  std::vector<xmpp::Element> join(const std::string& names = "alice @op +voiced plain", const std::string& resource = "phone",
                                  const std::string& nick = "alice") {
    in("<presence from='alice@example.org/" + resource + "' to='#chan%libera@irc.example.org/" + nick +
       "' id='j1'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>");
    if (!link().registered()) link().welcome();
    link().receive(":" + link().nick() + "!u@h JOIN #chan");
    link().receive(":srv 332 " + link().nick() + " #chan :The topic");
    link().receive(":srv 353 " + link().nick() + " = #chan :" + names);
    link().receive(":srv 366 " + link().nick() + " #chan :End of /NAMES list.");
    return ctx.take();
  }

  FakeContext ctx;
  FakeNetwork net;
  std::unique_ptr<IrcGateway> gateway;
};

/// Status codes of a MUC presence, in order.
inline std::vector<std::string> status_codes(const xmpp::Element& presence) {
  std::vector<std::string> out;
  if (const auto* x = presence.child("x", "http://jabber.org/protocol/muc#user"))
    for (const auto* s : x->children("status")) out.push_back(s->attr_or("code"));
  return out;
}

inline const xmpp::Element* muc_item(const xmpp::Element& presence) {
  const auto* x = presence.child("x", "http://jabber.org/protocol/muc#user");
  return x ? x->child("item") : nullptr;
}

}  // namespace junction::irc::testing
