#include "irc_connection.hpp"
#include "gateways/irc/client_certificate.hpp"

#include "encoding.hpp"
#include "splitter.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <vector>

namespace junction::irc {
namespace {

constexpr std::chrono::seconds quit_flush_limit{2};
// Past this many extra nicks something other than a collision is wrong (e.g. 432 for a
// nick the server will never accept); better to fail visibly than to cycle forever.
constexpr std::size_t max_nick_attempts = 10;
// A CTCP flood must not fill our send queue with replies and get us killed for flooding.
constexpr std::size_t ctcp_reply_queue_limit = 3;

bool has_line_break(std::string_view s) { return s.find_first_of(std::string_view("\r\n\0", 3)) != s.npos; }

std::string upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::optional<SaslCredentials> sasl_credentials(const UserIdentity& id) {
  std::string mech = upper_ascii(id.sasl_mechanism);
  if (mech == "PLAIN" && !id.sasl_password.empty()) {
    return SaslCredentials{SaslCredentials::Mechanism::plain, "", id.sasl_user.empty() ? id.nick : id.sasl_user,
                           id.sasl_password};
  }
  if (mech == "EXTERNAL") return SaslCredentials{SaslCredentials::Mechanism::external, "", id.sasl_user, ""};
  if (!mech.empty()) log::warn("irc", "unknown SASL mechanism '{}', not using SASL", id.sasl_mechanism);
  return std::nullopt;
}

}  // namespace

IrcConnection::IrcConnection(asio::io_context& io, NetworkConfig network, UserIdentity identity, Events events)
    : IrcConnection(asio_environment(io), std::move(network), std::move(identity), std::move(events)) {}

IrcConnection::IrcConnection(IrcEnvironment environment, NetworkConfig network, UserIdentity identity,
                             Events events)
    : env_(std::move(environment)),
      network_(std::move(network)),
      identity_(std::move(identity)),
      events_(std::move(events)),
      connect_timer_(env_.make_timer()),
      flood_timer_(env_.make_timer()),
      keepalive_timer_(env_.make_timer()),
      quit_timer_(env_.make_timer()),
      bucket_(static_cast<std::size_t>(std::max(network_.flood_burst, 1)), network_.flood_interval),
      nick_(identity_.nick) {}

IrcConnection::~IrcConnection() {
  *alive_ = false;
  teardown();
}

bool IrcConnection::cap_enabled(std::string_view cap) const { return cap_ && cap_->enabled(cap); }

bool IrcConnection::is_ctcp_query(const IrcMessage& message) {
  if (message.command != "PRIVMSG") return false;
  auto ctcp = parse_ctcp(message.param(1));
  return ctcp && ctcp->command != "ACTION";
}

void IrcConnection::connect() {
  if (state_ != State::idle) return;
  state_ = State::connecting;
  framer_.reset();
  isupport_ = ISupport{};
  queue_.clear();
  cap_.reset();
  nick_ = identity_.nick;
  nick_attempt_ = 0;
  own_user_.clear();
  own_host_.clear();
  lag_ = std::chrono::milliseconds{0};
  ping_sent_.reset();
  transport_ = env_.make_transport();
  connect_timer_->start(network_.connect_timeout, [this] { fail("connection timed out"); });
  log::info("irc", "{}: connecting to {}:{}{}", network_.alias, network_.host, network_.port,
            network_.tls ? " (TLS)" : "");
  Transport::Handlers handlers;
  handlers.on_connected = [this] { on_transport_connected(); };
  handlers.on_data = [this](std::string_view bytes) { on_data(bytes); };
  handlers.on_closed = [this](const std::string& reason) { on_transport_closed(reason); };
  transport_->connect(network_, client_certificate_for(identity_, network_), std::move(handlers));
}

void IrcConnection::on_transport_connected() {
  if (state_ != State::connecting) return;
  state_ = State::registering;
  connect_timer_->start(network_.connect_timeout, [this] { fail("registration timed out"); });
  CapConfig config;
  config.sasl = sasl_credentials(identity_);
  cap_.emplace(std::move(config), [this](const IrcMessage& m) { send_now(m); });
  // CAP LS first holds registration open until CAP END, so SASL can finish before 001.
  cap_->start();
  if (!network_.password.empty()) send_now(make_message("PASS", {network_.password}));
  send_now(make_message("NICK", {nick_}));
  std::string user = identity_.username.empty() ? identity_.nick : identity_.username;
  std::string realname = identity_.realname.empty() ? user : identity_.realname;
  send_now(make_message("USER", {user, "0", "*", realname}));
}

void IrcConnection::on_data(std::string_view bytes) {
  // Lines are collected first: a callback may destroy us, and the framer with us, mid-feed.
  std::vector<std::string> lines;
  framer_.feed(bytes, [&](FramedLine&& line) {
    if (line.truncated) log::debug("irc", "{}: overlong line truncated", network_.alias);
    lines.push_back(std::move(line.bytes));
  });
  auto alive = alive_;
  for (std::string& line : lines) {
    if (!*alive || state_ == State::idle) return;
    handle_line(std::move(line));
  }
}

void IrcConnection::handle_line(std::string line) {
  std::string text = decode(line, network_.encoding);
  log::trace("irc", "{} <- {}", network_.alias, text);
  auto parsed = parse(text);
  if (!parsed) {
    log::debug("irc", "{}: unparsable line dropped: {}", network_.alias, parsed.error().message);
    return;
  }
  last_received_ = env_.clock->now();
  auto alive = alive_;
  handle_message(*parsed);
  if (!*alive || state_ == State::idle) return;
  if (events_.on_message) events_.on_message(*parsed);
}

void IrcConnection::handle_message(const IrcMessage& msg) {
  const std::string& cmd = msg.command;
  if (cap_ && cap_->handle(msg)) return;
  if (cmd == "PING") {
    IrcMessage pong = msg;
    pong.tags.clear();
    pong.prefix.clear();
    pong.command = "PONG";
    send_now(pong);
  } else if (cmd == "PONG") {
    if (ping_sent_) {
      lag_ = std::chrono::duration_cast<std::chrono::milliseconds>(env_.clock->now() - *ping_sent_);
      ping_sent_.reset();
    }
  } else if (cmd == "ERROR") {
    on_transport_closed("server error: " + msg.param(0));
  } else if (state_ == State::registering) {
    handle_registration(msg);
  } else if (cmd == "005") {
    isupport_.apply(msg);
  } else if (cmd == "NICK" && isupport_.same_name(msg.nick(), nick_)) {
    nick_ = msg.param(0);
  } else if (cmd == "396") {  // RPL_HOSTHIDDEN: our new displayed host
    own_host_ = msg.param(1);
  } else if (cmd == "CHGHOST" && isupport_.same_name(msg.nick(), nick_)) {
    own_user_ = msg.param(0);
    own_host_ = msg.param(1);
  } else if (cmd == "JOIN" && isupport_.same_name(msg.nick(), nick_)) {
    Prefix p = split_prefix(msg.prefix);
    if (!p.host.empty()) {
      own_user_ = p.user;
      own_host_ = p.host;
    }
  } else if (cmd == "PRIVMSG" && state_ == State::registered) {
    if (auto reply = ctcp_reply(msg, ctcp_identity_, std::chrono::system_clock::now())) {
      if (queue_.size() < ctcp_reply_queue_limit) send(std::move(*reply));
    }
  }
}

void IrcConnection::handle_registration(const IrcMessage& msg) {
  const std::string& cmd = msg.command;
  if (cmd == "001") {
    on_welcome(msg);
  } else if (cmd == "433" || cmd == "432" || cmd == "437") {
    try_next_nick();
  } else if (cmd == "005") {
    isupport_.apply(msg);
  } else if (cmd == "464") {  // ERR_PASSWDMISMATCH: retrying cannot help
    fail("server password refused");
  }
}

void IrcConnection::try_next_nick() {
  if (++nick_attempt_ > max_nick_attempts) {
    fail("no usable nick (" + identity_.nick + " and alternatives taken or refused)");
    return;
  }
  const std::string& base = identity_.nick;
  std::size_t limit = std::max(isupport_.nicklen, base.size());
  if (base.size() + nick_attempt_ <= limit) {
    nick_ = base + std::string(nick_attempt_, '_');
  } else {
    // No room left for underscores: trade the end of the nick for a counter.
    std::string suffix = std::to_string(nick_attempt_);
    nick_ = base.substr(0, limit > suffix.size() ? limit - suffix.size() : 0) + suffix;
  }
  log::info("irc", "{}: nick taken or refused, trying {}", network_.alias, nick_);
  send_now(make_message("NICK", {nick_}));
}

void IrcConnection::on_welcome(const IrcMessage& msg) {
  connect_timer_->cancel();
  state_ = State::registered;
  if (!msg.param(0).empty()) nick_ = msg.param(0);
  // Many servers end 001 with "nick!user@host", the source they will prepend for us.
  std::string_view text = msg.params.size() >= 2 ? std::string_view(msg.params.back()) : std::string_view();
  Prefix self = split_prefix(text.substr(text.rfind(' ') == text.npos ? 0 : text.rfind(' ') + 1));
  if (!self.host.empty() && isupport_.same_name(self.nick, nick_)) {
    own_user_ = self.user;
    own_host_ = self.host;
  }
  log::info("irc", "{}: registered as {}", network_.alias, nick_);

  // Identification and on-connect commands go ahead of anything queued while registering.
  std::deque<std::string> first;
  auto push = [&](const IrcMessage& m) {
    if (auto line = m.serialize()) first.push_back(std::move(*line));
  };
  if (!identity_.nickserv_password.empty()) {
    push(make_message("PRIVMSG", {"NickServ", "IDENTIFY " + identity_.nickserv_password}));
  } else if (cap_ && cap_->use_nickserv_fallback()) {
    // The account form still works after a nick collision left us on "nick_".
    std::string account = identity_.sasl_user.empty() ? "" : identity_.sasl_user + " ";
    push(make_message("PRIVMSG", {"NickServ", "IDENTIFY " + account + identity_.sasl_password}));
  }
  for (const std::string& raw : identity_.on_connect_commands) {
    auto parsed = has_line_break(raw) ? Result<IrcMessage>(junction::fail("line break")) : parse(raw);
    if (!parsed) {
      log::warn("irc", "{}: on-connect command refused: {}", network_.alias, parsed.error().message);
      continue;
    }
    push(*parsed);
  }
  queue_.insert(queue_.begin(), first.begin(), first.end());

  last_received_ = env_.clock->now();
  keepalive_timer_->start(network_.ping_interval, [this] { on_keepalive(); });
  auto alive = alive_;
  if (events_.on_registered) events_.on_registered(nick_);
  if (!*alive || state_ != State::registered) return;
  pump_queue();
}

void IrcConnection::on_keepalive() {
  if (state_ != State::registered) return;
  Clock::time_point now = env_.clock->now();
  if (ping_sent_) {
    if (now - *ping_sent_ >= network_.ping_interval) {
      teardown();
      state_ = State::idle;
      log::info("irc", "{}: ping timeout", network_.alias);
      if (events_.on_disconnected) events_.on_disconnected("ping timeout");
      return;
    }
    keepalive_timer_->start(network_.ping_interval - (now - *ping_sent_), [this] { on_keepalive(); });
    return;
  }
  Clock::duration silence = now - last_received_;
  if (silence < network_.ping_interval) {
    keepalive_timer_->start(network_.ping_interval - silence, [this] { on_keepalive(); });
    return;
  }
  ping_sent_ = now;
  send_now(make_message("PING", {"junction-" + std::to_string(++ping_counter_)}));
  keepalive_timer_->start(network_.ping_interval, [this] { on_keepalive(); });
}

void IrcConnection::send(IrcMessage message) {
  if (state_ == State::idle || state_ == State::quitting) {
    log::debug("irc", "{}: not connected, dropping {}", network_.alias, message.command);
    return;
  }
  auto line = message.serialize();
  if (!line) {
    log::warn("irc", "{}: refusing to send {}: {}", network_.alias, message.command, line.error().message);
    return;
  }
  queue_.push_back(std::move(*line));
  pump_queue();
}

bool IrcConnection::send_raw(std::string_view line) {
  if (has_line_break(line)) return false;
  auto parsed = parse(line);
  if (!parsed) return false;
  send(std::move(*parsed));
  return true;
}

void IrcConnection::send_text(const std::string& command, const std::string& target, const std::string& text) {
  std::size_t limit = text_limit(command, target);
  for (std::string& piece : split_message(text, limit, network_.encoding_out)) send(make_message(command, {target, std::move(piece)}));
}

std::size_t IrcConnection::text_limit(std::string_view command, std::string_view target) const {
  SourceLengths source = assumed_source(std::max(isupport_.nicklen, nick_.size()));
  if (!own_host_.empty()) source = SourceLengths{nick_.size(), own_user_.size(), own_host_.size()};
  return payload_limit(source, command, target);
}

void IrcConnection::pump_queue() {
  // Lines wait until registration is done: the server would refuse them before 001.
  if (state_ != State::registered || !transport_) return;
  while (!queue_.empty()) {
    Clock::time_point now = env_.clock->now();
    if (!bucket_.try_consume(now)) {
      // The only timer flood control ever arms, and only while something waits.
      if (!flood_timer_->armed()) flood_timer_->start(bucket_.next_send_delay(now), [this] { pump_queue(); });
      return;
    }
    log::trace("irc", "{} -> {}", network_.alias, queue_.front());
    transport_->write(for_wire(std::move(queue_.front())) + "\r\n");
    queue_.pop_front();
  }
}

std::string IrcConnection::for_wire(std::string line) const {
  // Lines are built as UTF-8; a legacy network gets them transcoded only here.
  return network_.encoding_out == OutEncoding::utf8 ? std::move(line) : encode_out(line, network_.encoding_out);
}

void IrcConnection::send_now(const IrcMessage& msg) {
  if (!transport_ || state_ == State::idle) return;
  auto line = msg.serialize();
  if (!line) {
    log::warn("irc", "{}: refusing to send {}: {}", network_.alias, msg.command, line.error().message);
    return;
  }
  log::trace("irc", "{} -> {}", network_.alias, msg.command == "PASS" ? "PASS ***" : *line);
  transport_->write(for_wire(std::move(*line)) + "\r\n");
}

void IrcConnection::quit(const std::string& reason, std::function<void()> done) {
  if (state_ == State::quitting) {
    quit_done_ = [first = std::move(quit_done_), then = std::move(done)] {
      if (first) first();
      if (then) then();
    };
    return;
  }
  quit_done_ = std::move(done);
  // Without a stream (idle, or still connecting) there is nobody to say goodbye to.
  if (state_ == State::idle || state_ == State::connecting) return finish_quit();
  queue_.clear();
  send_now(make_message("QUIT", {reason}));
  state_ = State::quitting;
  connect_timer_->cancel();
  flood_timer_->cancel();
  keepalive_timer_->cancel();
  quit_timer_->start(quit_flush_limit, [this] { finish_quit(); });
  transport_->when_flushed([this] { finish_quit(); });
}

void IrcConnection::finish_quit() {
  teardown();
  state_ = State::idle;
  log::info("irc", "{}: quit", network_.alias);
  if (auto done = std::move(quit_done_)) done();
}

void IrcConnection::on_transport_closed(const std::string& reason) {
  if (state_ == State::idle) return;
  if (state_ == State::quitting) {
    finish_quit();
  } else if (state_ == State::registered) {
    teardown();
    state_ = State::idle;
    log::info("irc", "{}: disconnected: {}", network_.alias, reason);
    if (events_.on_disconnected) events_.on_disconnected(reason);
  } else {
    fail(reason);
  }
}

void IrcConnection::fail(const std::string& reason) {
  if (state_ == State::idle) return;
  teardown();
  state_ = State::idle;
  log::warn("irc", "{}: {}:{}: {}", network_.alias, network_.host, network_.port, reason);
  if (events_.on_failed) events_.on_failed(reason);
}

void IrcConnection::teardown() {
  // The transport object itself stays until the next connect(): this may run inside one of
  // its own handlers.
  if (transport_) transport_->close();
  for (auto* timer : {&connect_timer_, &flood_timer_, &keepalive_timer_, &quit_timer_})
    if (*timer) (*timer)->cancel();
  queue_.clear();
  ping_sent_.reset();
}

}  // namespace junction::irc
