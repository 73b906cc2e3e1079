#pragma once
// The XMPP server side of the load generator: a component port (XEP-0114) that accepts one
// gateway, sends its stream header, accepts any handshake, answers XEP-0199 pings with a result
// (Junction's delivery barriers) and any other iq get/set with service-unavailable, and counts
// what the gateway sends to the simulated users userK@localhost: self-presences (status 110),
// other presences, groupchat messages and errors. Stanzas are cut and inspected by byte
// scanning (stanza_scanner.hpp), never parsed.
#include "stanza_scanner.hpp"
#include "util/asio.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace junction::bench::irc {

class FakeComponentServer {
 public:
  using tcp = asio::ip::tcp;
  using Clock = std::chrono::steady_clock;

  struct Stats {
    std::uint64_t self_presences = 0, presences = 0, groupchat = 0, errors = 0, pings = 0, other = 0;
  };

  FakeComponentServer(asio::io_context& io, std::uint16_t port, std::string domain, std::size_t users)
      : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)), socket_(io),
        domain_(std::move(domain)), self_seen_(users, false) {
    scanner_.on_stream_open = [this] {
      write("<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
            "xmlns='jabber:component:accept' id='irc-bench-1' from='" + domain_ + "'>");
    };
    scanner_.on_stanza = [this](std::string_view s) { on_stanza(s); };
  }

  const Stats& stats() const { return stats_; }
  bool online() const { return online_; }
  bool failed() const { return failed_; }
  const std::string& failure() const { return failure_; }
  Clock::time_point last_stanza() const { return last_stanza_; }
  // The first few error stanzas, to say why a run went wrong.
  const std::vector<std::string>& error_samples() const { return error_samples_; }

  void accept() {
    acceptor_.async_accept(socket_, [this](const boost::system::error_code& ec) {
      if (ec) return fail("accept: " + ec.message());
      socket_.set_option(tcp::no_delay(true));
      read();
    });
  }

  void write(std::string_view bytes) {
    queued_.append(bytes);
    if (!writing_ && socket_.is_open()) flush();
  }

  void close() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    socket_.close(ignored);
  }

 private:
  void fail(std::string why) {
    if (failed_) return;
    failed_ = true;
    failure_ = std::move(why);
  }

  void read() {
    socket_.async_read_some(asio::buffer(buffer_), [this](const boost::system::error_code& ec, std::size_t n) {
      if (ec) return fail("component stream closed: " + ec.message());
      scanner_.feed(std::string_view(buffer_.data(), n));
      read();
    });
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

  static bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

  // userK@... -> K, or -1.
  static long user_index(std::string_view jid) {
    if (!starts_with(jid, "user")) return -1;
    long k = 0;
    std::size_t i = 4;
    if (i >= jid.size() || jid[i] < '0' || jid[i] > '9') return -1;
    for (; i < jid.size() && jid[i] >= '0' && jid[i] <= '9'; ++i) k = k * 10 + (jid[i] - '0');
    return k;
  }

  void on_stanza(std::string_view s) {
    last_stanza_ = Clock::now();
    if (starts_with(s, "<handshake")) {
      write("<handshake/>");
      online_ = true;
      return;
    }
    auto type = start_tag_attr(s, "type");
    if (starts_with(s, "<message")) {
      if (type == "groupchat") ++stats_.groupchat;
      else if (type == "error") note_error(s);
      else ++stats_.other;
      return;
    }
    if (starts_with(s, "<presence")) {
      if (type == "error") return note_error(s);
      ++stats_.presences;
      if (type.empty() && (s.find("code='110'") != std::string_view::npos || s.find("code=\"110\"") != std::string_view::npos)) {
        long k = user_index(start_tag_attr(s, "to"));
        if (k >= 0 && static_cast<std::size_t>(k) < self_seen_.size() && !self_seen_[k]) {
          self_seen_[k] = true;
          ++stats_.self_presences;
        }
      }
      return;
    }
    if (starts_with(s, "<iq") && (type == "get" || type == "set")) {
      bool ping = type == "get" && s.find("urn:xmpp:ping") != std::string_view::npos;
      std::string reply = ping ? "<iq type='result' from='" : "<iq type='error' from='";
      reply.append(start_tag_attr(s, "to")).append("' to='").append(start_tag_attr(s, "from"));
      reply.append("' id='").append(start_tag_attr(s, "id")).append("'");
      if (ping) {
        ++stats_.pings;
        reply += "/>";
      } else {
        ++stats_.other;
        reply += "><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>";
      }
      write(reply);
      return;
    }
    ++stats_.other;
  }

  void note_error(std::string_view s) {
    ++stats_.errors;
    if (error_samples_.size() < 3) error_samples_.emplace_back(s.substr(0, 400));
  }

  tcp::acceptor acceptor_;
  tcp::socket socket_;
  std::string domain_;
  StanzaScanner scanner_;
  std::array<char, 64 * 1024> buffer_{};
  std::string queued_, in_flight_;
  bool writing_ = false, online_ = false, failed_ = false;
  std::string failure_;
  Stats stats_;
  std::vector<bool> self_seen_;
  std::vector<std::string> error_samples_;
  Clock::time_point last_stanza_{};
};

}  // namespace junction::bench::irc
