#include "xmpp/component_session.hpp"

#include "util/log.hpp"
#include "xmpp/handshake.hpp"
#include "xmpp/namespaces.hpp"

#include <algorithm>
#include <random>
#include <utility>

namespace junction::xmpp {
namespace {

constexpr std::string_view log_tag = "xmpp";

bool iequal_ascii(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

long long seconds(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

// Ping ids carry a per-session random part so a reply forged by some user (who may send any
// iq result to our domain) cannot guess one; the 'from' check below is the main guard.
std::string random_prefix() {
  std::random_device rd;
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "jping-";
  for (int i = 0; i < 12; ++i) out += hex[rd() & 0x0f];
  out += '-';
  return out;
}

}  // namespace

std::string parent_domain(std::string_view domain) {
  auto dot = domain.find('.');
  if (dot == std::string_view::npos || dot + 1 >= domain.size()) return std::string(domain);
  return std::string(domain.substr(dot + 1));
}

ComponentSession::ComponentSession(ComponentOptions options, ComponentTransport& transport,
                                   SessionClock& clock, Callbacks callbacks)
    : options_(std::move(options)),
      transport_(transport),
      clock_(clock),
      callbacks_(std::move(callbacks)),
      parser_(StreamParser::Callbacks{
                  [this](const auto& attrs) { on_stream_open(attrs); },
                  [this](Element&& element) { on_element(std::move(element)); },
                  [this] { on_stream_close(); },
                  [this](const StreamError& error) { on_parse_error(error); },
              },
              options_.limits),
      backoff_(options_.backoff_base, options_.backoff_max, options_.jitter),
      ping_prefix_(random_prefix()) {
  if (options_.server_domain.empty()) options_.server_domain = parent_domain(options_.domain);
}

std::string_view ComponentSession::state_name(State state) {
  switch (state) {
    case State::stopped: return "stopped";
    case State::connecting: return "connecting";
    case State::handshaking: return "handshaking";
    case State::online: return "online";
    case State::closing: return "closing";
    case State::waiting: return "waiting";
  }
  return "unknown";
}

void ComponentSession::start() {
  if (state_ != State::stopped) return;
  stopping_ = false;
  begin_attempt();
}

void ComponentSession::begin_attempt() {
  state_ = State::connecting;
  was_online_ = false;
  handshake_sent_ = false;
  transport_open_ = true;
  clock_.schedule(SessionTimer::attempt, options_.connect_timeout);
  log::debug(log_tag, "{}: connecting to the XMPP server", options_.domain);
  transport_.open();
}

void ComponentSession::connected() {
  if (state_ != State::connecting) return;
  // Resetting here, never from inside a parser callback, keeps Expat out of reentrancy.
  parser_.reset();
  state_ = State::handshaking;
  last_read_ = clock_.now();
  clock_.schedule(SessionTimer::attempt, options_.handshake_timeout);
  write(component_stream_header(options_.domain));
}

void ComponentSession::received(std::string_view bytes) {
  if (state_ != State::handshaking && state_ != State::online && state_ != State::closing) return;
  last_read_ = clock_.now();
  parser_.feed(bytes);
}

void ComponentSession::closed(std::string_view error) {
  std::string detail = error.empty() ? std::string("closed by the peer") : std::string(error);
  transport_open_ = false;
  switch (state_) {
    case State::connecting:
      fail("could not connect to the XMPP server for " + options_.domain + ": " + detail, false);
      break;
    case State::handshaking:
      fail("the XMPP server dropped the connection of " + options_.domain +
               " during the handshake (" + detail + ")",
           false);
      break;
    case State::online:
      fail("connection to the XMPP server lost: " + detail, false);
      break;
    case State::closing:
      finish_stop();
      break;
    case State::stopped:
    case State::waiting:
      break;
  }
}

void ComponentSession::timer_fired(SessionTimer id) {
  switch (id) {
    case SessionTimer::attempt:
      if (state_ == State::connecting) {
        fail("timed out connecting to the XMPP server after " +
                 std::to_string(seconds(options_.connect_timeout)) + " s",
             false);
      } else if (state_ == State::handshaking) {
        fail("no handshake answer from the XMPP server for " + options_.domain + " within " +
                 std::to_string(seconds(options_.handshake_timeout)) +
                 " s: is [xmpp] port the server's component port?",
             false);
      }
      break;
    case SessionTimer::idle:
      if (state_ == State::online) check_idle();
      break;
    case SessionTimer::ping_timeout:
      if (state_ != State::online || pings_.empty()) break;
      if (pings_.front().deadline <= clock_.now())
        fail("no answer to ping", false);
      else
        arm_ping_timeout();
      break;
    case SessionTimer::stable:
      // Only a link that stayed up this long earns a fresh backoff; a flapping one keeps growing.
      if (state_ == State::online) backoff_.reset();
      break;
    case SessionTimer::reconnect:
      if (state_ == State::waiting) begin_attempt();
      break;
    case SessionTimer::closing:
      if (state_ == State::closing) finish_stop();
      break;
  }
}

void ComponentSession::stop() {
  stopping_ = true;
  switch (state_) {
    case State::handshaking:
    case State::online: {
      bool notify = state_ == State::online;
      write("</stream:stream>");
      state_ = State::closing;
      for (auto t : {SessionTimer::attempt, SessionTimer::idle, SessionTimer::ping_timeout, SessionTimer::stable})
        clock_.cancel(t);
      clock_.schedule(SessionTimer::closing, options_.close_timeout);
      auto pending = std::exchange(pings_, {});
      for (auto& p : pending)
        if (p.done) p.done(false);
      if (notify && was_online_) {
        was_online_ = false;
        if (callbacks_.on_offline) callbacks_.on_offline("shutting down");
      }
      break;
    }
    case State::connecting:
    case State::waiting:
      finish_stop();
      break;
    case State::closing:
      break;
    case State::stopped:
      if (callbacks_.on_stopped) callbacks_.on_stopped();
      break;
  }
}

bool ComponentSession::send(const Element& stanza) {
  if (state_ != State::online) return false;
  // A stanza without a namespace inherits the stream's default one; naming the parent
  // namespace for it would make the writer emit xmlns=''.
  write(stanza.to_string(stanza.xmlns().empty() ? std::string_view{} : ns::component));
  return true;
}

bool ComponentSession::send_raw(std::string_view xml) {
  if (state_ != State::online) return false;
  write(std::string(xml));
  return true;
}

void ComponentSession::ping(std::function<void(bool answered)> done) {
  if (state_ != State::online) {
    if (done) done(false);
    return;
  }
  send_ping(std::move(done));
}

void ComponentSession::on_stream_open(const std::vector<std::pair<std::string, std::string>>& attrs) {
  if (state_ != State::handshaking || handshake_sent_) return;
  std::string id;
  for (const auto& [name, value] : attrs)
    if (name == "id") id = value;
  if (id.empty()) {
    // Prosody opens a stream without an id only to send a stream error right after it, so
    // wait for that (the handshake deadline covers a server that sends nothing).
    log::debug(log_tag, "{}: server stream header has no id", options_.domain);
    return;
  }
  handshake_sent_ = true;
  write("<handshake>" + handshake_digest(id, options_.secret) + "</handshake>");
}

void ComponentSession::on_element(Element&& element) {
  if (element.xmlns() == ns::streams) {
    if (element.name() == "error") on_stream_error(element);
    return;  // stream features and the like mean nothing to a component
  }
  if (state_ == State::handshaking) {
    if (element.name() == "handshake" && handshake_sent_) go_online();
    return;
  }
  if (state_ != State::online) return;
  if (take_ping_reply(element)) return;
  if (callbacks_.on_stanza) callbacks_.on_stanza(std::move(element));
}

void ComponentSession::on_stream_close() {
  if (state_ == State::closing) {
    finish_stop();
    return;
  }
  if (state_ != State::handshaking && state_ != State::online) return;
  write("</stream:stream>");
  fail("the XMPP server closed the stream of " + options_.domain, false);
}

void ComponentSession::on_parse_error(const StreamError& error) {
  if (state_ == State::closing) {
    finish_stop();
    return;
  }
  if (state_ != State::handshaking && state_ != State::online) return;
  write(stream_error_xml(error.condition, error.text) + "</stream:stream>");
  fail("the XMPP server sent a stream Junction refused (" + error.condition +
           (error.text.empty() ? std::string() : ": " + error.text) + ")",
       false);
}

void ComponentSession::on_stream_error(const Element& error) {
  std::string condition;
  for (const Element* child : error.children({}, ns::stream_errors)) {
    if (child->name() != "text") {
      condition = child->name();
      break;
    }
  }
  auto advice = explain_stream_error(condition, options_.domain, error.child_text("text", ns::stream_errors));
  if (state_ == State::closing) {
    finish_stop();
    return;
  }
  if (state_ != State::handshaking && state_ != State::online) return;
  if (advice.config_problem)
    log::error(log_tag, "{}", advice.message);
  else
    log::warn(log_tag, "{}", advice.message);
  write("</stream:stream>");
  fail(std::move(advice.message), advice.config_problem);
}

bool ComponentSession::take_ping_reply(const Element& stanza) {
  if (stanza.name() != "iq" || pings_.empty()) return false;
  auto type = stanza.attr_or("type");
  if (type != "result" && type != "error") return false;
  auto id = stanza.attr_or("id");
  auto it = std::find_if(pings_.begin(), pings_.end(), [&](const PendingPing& p) { return p.id == id; });
  if (it == pings_.end()) return false;
  // Only the server may answer: any user can address an iq result to our domain.
  auto from = stanza.attr_or("from");
  if (!from.empty() && !iequal_ascii(from, options_.server_domain)) return false;
  if (type == "error" && !warned_ping_error_) {
    warned_ping_error_ = true;
    log::warn(log_tag,
              "{}: the XMPP server answered a ping to {} with an error; that still proves the "
              "link alive, but set server_domain to the server's own domain if {} is not it",
              options_.domain, options_.server_domain, options_.server_domain);
  }
  auto done = std::move(it->done);
  bool was_front = it == pings_.begin();
  pings_.erase(it);
  if (was_front) arm_ping_timeout();
  if (done) done(true);
  return true;
}

void ComponentSession::send_ping(std::function<void(bool)> done) {
  std::string id = ping_prefix_ + std::to_string(++ping_counter_);
  std::string xml = "<iq type='get' from='";
  append_escaped_attr(xml, options_.domain);
  xml += "' to='";
  append_escaped_attr(xml, options_.server_domain);
  xml += "' id='" + id + "'><ping xmlns='";
  xml.append(ns::ping).append("'/></iq>");
  write(std::move(xml));
  pings_.push_back({std::move(id), clock_.now() + options_.ping_timeout, std::move(done)});
  if (pings_.size() == 1) arm_ping_timeout();
}

void ComponentSession::arm_ping_timeout() {
  if (pings_.empty()) {
    clock_.cancel(SessionTimer::ping_timeout);
    return;
  }
  auto left = std::chrono::duration_cast<Duration>(pings_.front().deadline - clock_.now());
  clock_.schedule(SessionTimer::ping_timeout, std::max(left, Duration{0}));
}

void ComponentSession::check_idle() {
  auto silent = std::chrono::duration_cast<Duration>(clock_.now() - last_read_);
  if (silent < options_.ping_interval) {
    clock_.schedule(SessionTimer::idle, options_.ping_interval - silent);
    return;
  }
  // An outstanding ping already watches the link.
  if (pings_.empty()) send_ping(nullptr);
  clock_.schedule(SessionTimer::idle, options_.ping_interval);
}

void ComponentSession::go_online() {
  state_ = State::online;
  was_online_ = true;
  last_error_.clear();
  last_read_ = clock_.now();
  clock_.cancel(SessionTimer::attempt);
  clock_.schedule(SessionTimer::stable, options_.stable_after);
  clock_.schedule(SessionTimer::idle, options_.ping_interval);
  log::info(log_tag, "{}: component stream online", options_.domain);
  if (callbacks_.on_online) callbacks_.on_online();
}

void ComponentSession::fail(std::string reason, bool config_problem) {
  for (auto t : {SessionTimer::attempt, SessionTimer::idle, SessionTimer::ping_timeout,
                 SessionTimer::stable, SessionTimer::closing})
    clock_.cancel(t);
  if (transport_open_) {
    transport_open_ = false;
    transport_.close();
  }
  last_error_ = reason;
  bool notify = was_online_;
  was_online_ = false;
  auto pending = std::exchange(pings_, {});

  if (stopping_) {
    state_ = State::stopped;
  } else {
    last_delay_ = backoff_.next();
    if (config_problem) last_delay_ = std::max(last_delay_, options_.config_error_delay);
    state_ = State::waiting;
    clock_.schedule(SessionTimer::reconnect, last_delay_);
    if (!config_problem)  // config problems were logged as errors already
      log::warn(log_tag, "{}: {}; reconnecting in {} ms", options_.domain, reason, last_delay_.count());
    else
      log::info(log_tag, "{}: next attempt in {} s", options_.domain, seconds(last_delay_));
  }

  // Callbacks last: they may call back into a session whose state is already consistent.
  for (auto& p : pending)
    if (p.done) p.done(false);
  if (notify && callbacks_.on_offline) callbacks_.on_offline(reason);
  if (stopping_ && state_ == State::stopped && callbacks_.on_stopped) callbacks_.on_stopped();
}

void ComponentSession::finish_stop() {
  for (auto t : {SessionTimer::attempt, SessionTimer::idle, SessionTimer::ping_timeout,
                 SessionTimer::stable, SessionTimer::reconnect, SessionTimer::closing})
    clock_.cancel(t);
  if (transport_open_) {
    transport_open_ = false;
    transport_.close();
  }
  state_ = State::stopped;
  bool notify = was_online_;
  was_online_ = false;
  auto pending = std::exchange(pings_, {});
  for (auto& p : pending)
    if (p.done) p.done(false);
  if (notify && callbacks_.on_offline) callbacks_.on_offline("shutting down");
  if (callbacks_.on_stopped) callbacks_.on_stopped();
}

void ComponentSession::write(std::string bytes) { transport_.write(std::move(bytes)); }

}  // namespace junction::xmpp
