#pragma once
// Shared by the core benchmarks: the message stanzas a user sends to echo contacts, and a
// fake XMPP server's component port (XEP-0114) on an Asio loop. The server accepts one
// component connection, sends its stream header, accepts any handshake, answers every
// XEP-0199 ping with a result, and sends message stanzas to the component, either as fast as
// a window of unanswered messages allows or at a fixed rate, counting the messages that come
// back. Everything runs on the loop's thread.
#include "util/asio.hpp"
#include "xmpp/element.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stream_parser.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace junction::bench {

using Clock = std::chrono::steady_clock;

// A chat message from one of `users` users of `user_domain` to one of 50 contacts at `domain`,
// the shape a client sends (receipt request, chat state, origin id), with a unique id.
inline std::string message_stanza(std::uint64_t i, std::string_view domain, std::string_view user_domain,
                                  unsigned users = 100) {
  std::string s = "<message from='user";
  s += std::to_string(i % users);
  s.append("@").append(user_domain).append("/bench' to='contact");
  s += std::to_string(i % 50);
  s.append("@").append(domain).append("' type='chat' id='b");
  s += std::to_string(i);
  s += "'><body>Running late, see you at 7 &amp; bring the charger &lt;3</body>"
       "<request xmlns='urn:xmpp:receipts'/><active xmlns='http://jabber.org/protocol/chatstates'/></message>";
  return s;
}

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(k, v.size() - 1)];
}

class FakeXmppServer {
 public:
  using tcp = asio::ip::tcp;
  struct Stats {
    std::uint64_t sent = 0;        // messages written to the component
    std::uint64_t replies = 0;     // messages received from it
    std::uint64_t pings = 0;       // pings answered
    std::uint64_t other = 0;       // other stanzas received (presence probes, errors...)
    std::uint64_t errors = 0;      // message stanzas of type error
  };

  FakeXmppServer(asio::io_context& io, std::string domain, std::string user_domain)
      : io_(io), acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), socket_(io),
        pace_(io), domain_(std::move(domain)), user_domain_(std::move(user_domain)) {}

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  const Stats& stats() const { return stats_; }
  bool online() const { return online_; }

  // Called once the component's handshake was accepted.
  std::function<void()> on_online;
  // Called when `replies` reaches the target given to blast().
  std::function<void()> on_done;
  std::function<void(std::string_view)> on_failure;

  void accept() {
    acceptor_.async_accept(socket_, [this](const boost::system::error_code& ec) {
      if (ec) return fail("accept: " + ec.message());
      socket_.set_option(tcp::no_delay(true));
      parser_ = std::make_unique<xmpp::StreamParser>(
          xmpp::StreamParser::Callbacks{
              [this](const auto&) { on_stream_open(); },
              [this](xmpp::Element&& e) { on_stanza(std::move(e)); },
              [this] { fail("the component closed its stream"); },
              [this](const xmpp::StreamError& e) { fail("component sent bad XML: " + e.condition + " " + e.text); },
          },
          xmpp::StreamParser::Limits{1 << 20, 64});
      read();
    });
  }

  // Sends `total` messages, keeping at most `window` unanswered; on_done when all came back.
  void blast(std::uint64_t total, std::uint64_t window) {
    target_ = total;
    window_ = window;
    started_ = Clock::now();
    top_up();
  }

  // Sends `per_second` messages a second (in 10 ms slices) until stop_pacing().
  void pace(double per_second) {
    rate_ = per_second;
    target_ = UINT64_MAX;
    started_ = Clock::now();
    tick(started_);
  }
  void stop_pacing() {
    rate_ = 0;
    pace_.cancel();
  }

  Clock::time_point started() const { return started_; }
  Clock::time_point finished() const { return finished_; }
  // Round trips of sampled messages (every 64th), in seconds.
  const std::vector<double>& round_trips() const { return rtts_; }

  void close() {
    boost::system::error_code ignored;
    pace_.cancel();
    acceptor_.close(ignored);
    socket_.close(ignored);
  }

 private:
  void fail(std::string_view why) {
    if (failed_) return;
    failed_ = true;
    if (on_failure) on_failure(why);
  }

  void read() {
    socket_.async_read_some(asio::buffer(buffer_), [this](const boost::system::error_code& ec, std::size_t n) {
      if (ec) return fail("read: " + ec.message());
      parser_->feed(std::string_view(buffer_.data(), n));
      if (!failed_) read();
    });
  }

  void write(std::string_view bytes) {
    queued_.append(bytes);
    if (!writing_) flush();
  }

  void flush() {
    writing_ = true;
    in_flight_.swap(queued_);
    queued_.clear();
    asio::async_write(socket_, asio::buffer(in_flight_), [this](const boost::system::error_code& ec, std::size_t) {
      writing_ = false;
      in_flight_.clear();
      if (ec) return fail("write: " + ec.message());
      if (!queued_.empty()) flush();
    });
  }

  void on_stream_open() {
    write("<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
          "xmlns='jabber:component:accept' id='bench-stream-1' from='" +
          domain_ + "'>");
  }

  void on_stanza(xmpp::Element&& e) {
    if (e.name() == "handshake") {
      write("<handshake/>");
      online_ = true;
      if (on_online) on_online();
      return;
    }
    if (e.name() == "iq" && e.attr_or("type") == "get" && e.child("ping", xmpp::ns::ping)) {
      ++stats_.pings;
      std::string reply = "<iq type='result' from='";
      xmpp::append_escaped_attr(reply, e.attr_or("to"));
      reply += "' to='";
      xmpp::append_escaped_attr(reply, e.attr_or("from"));
      reply += "' id='";
      xmpp::append_escaped_attr(reply, e.attr_or("id"));
      reply += "'/>";
      write(reply);
      return;
    }
    if (e.name() != "message") {
      ++stats_.other;
      return;
    }
    if (e.attr_or("type") == "error") ++stats_.errors;
    ++stats_.replies;
    if (stats_.replies % 64 == 0) {
      // Replies keep the order of the messages on this path, so the reply numbered r answers
      // the message sent r-th.
      auto k = stats_.replies / 64 - 1;
      if (k < sent_at_.size()) rtts_.push_back(std::chrono::duration<double>(Clock::now() - sent_at_[k]).count());
    }
    if (stats_.replies == target_) {
      finished_ = Clock::now();
      if (on_done) on_done();
      return;
    }
    if (rate_ == 0 && stats_.sent - stats_.replies <= window_ / 2) top_up();
  }

  void send_messages(std::uint64_t n) {
    std::string batch;
    for (std::uint64_t k = 0; k < n; ++k) {
      if (stats_.sent % 64 == 0) sent_at_.push_back(Clock::now());
      batch += message_stanza(stats_.sent++, domain_, user_domain_);
    }
    if (!batch.empty()) write(batch);
  }

  void top_up() {
    std::uint64_t room = window_ - (stats_.sent - stats_.replies);
    std::uint64_t left = target_ - stats_.sent;
    send_messages(std::min(room, left));
  }

  void tick(Clock::time_point next) {
    if (rate_ <= 0) return;
    auto elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
    auto due = static_cast<std::uint64_t>(elapsed * rate_);
    if (due > stats_.sent) send_messages(due - stats_.sent);
    next += std::chrono::milliseconds(10);
    pace_.expires_at(next);
    pace_.async_wait([this, next](const boost::system::error_code& ec) {
      if (!ec) tick(next);
    });
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  tcp::socket socket_;
  asio::steady_timer pace_;
  std::string domain_, user_domain_;
  std::unique_ptr<xmpp::StreamParser> parser_;
  std::array<char, 64 * 1024> buffer_{};
  std::string queued_, in_flight_;
  bool writing_ = false, online_ = false, failed_ = false;
  Stats stats_;
  std::uint64_t target_ = 0, window_ = 0;
  double rate_ = 0;
  Clock::time_point started_{}, finished_{};
  std::vector<Clock::time_point> sent_at_;
  std::vector<double> rtts_;
};

}  // namespace junction::bench
