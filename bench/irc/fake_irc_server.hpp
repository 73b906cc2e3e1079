#pragma once
// The IRC server side of the load generator: registers every connection (001-005, no MOTD,
// no flood limits), keeps channels with members, answers JOIN (JOIN to every member, topic and
// NAMES to the joiner), PING, PART and QUIT, and counts the channel PRIVMSGs the gateway sends.
// Relaying PRIVMSGs to the other members is optional: the XMPP→IRC measurement turns it off so
// that it does not also measure the gateway's fan-out back to XMPP. One thread, Asio.
#include "util/asio.hpp"

#include <chrono>
#include <cstdint>
#include <algorithm>
#include <array>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace junction::bench::irc {

using Clock = std::chrono::steady_clock;

class FakeIrcServer {
 public:
  using tcp = asio::ip::tcp;
  static constexpr std::string_view kServer = "irc.bench";
  static constexpr std::string_view kBot = "ircbot";  // the IRC-only member that talks to XMPP users

  struct Stats {
    std::uint64_t connections = 0, registered = 0, joins = 0, privmsgs = 0, bytes_in = 0;
  };

  FakeIrcServer(asio::io_context& io, std::uint16_t port)
      : io_(io), acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)) {
    acceptor_.listen(4096);
  }

  const Stats& stats() const { return stats_; }
  bool relay = true;
  // Set while the gateway shuts down: N QUITs broadcast to N members are not worth sending.
  bool quiet_quits = false;
  // Called for every channel PRIVMSG with its text (the load generator reads its stamps).
  std::function<void(std::string_view text)> on_privmsg;

  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket s) {
      if (ec) return;
      s.set_option(tcp::no_delay(true));
      auto c = std::make_shared<Client>(std::move(s));
      ++stats_.connections;
      read(c);
      accept();
    });
  }

  // Sends `count` PRIVMSGs from kBot to every member of every channel; `text(i)` makes the i-th.
  void bot_says(std::uint64_t count, const std::function<std::string(std::uint64_t)>& text) {
    for (auto& [name, ch] : channels_) {
      std::string lines;
      for (std::uint64_t i = 0; i < count; ++i) {
        lines.append(":").append(kBot).append("!bot@bench.host PRIVMSG ").append(name).append(" :").append(text(i)).append("\r\n");
      }
      for (auto& m : ch.members) write(m, lines);
    }
  }

  std::size_t members(const std::string& channel) const {
    auto it = channels_.find(channel);
    return it == channels_.end() ? 0 : it->second.members.size();
  }

  void close() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }

 private:
  struct Client {
    explicit Client(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    std::array<char, 4096> buf{};
    std::string in, queued, in_flight;
    std::string nick;
    bool user = false, capneg = false, registered = false, writing = false, closed = false;
  };
  using ClientPtr = std::shared_ptr<Client>;

  struct Channel {
    std::vector<ClientPtr> members;
  };

  void read(const ClientPtr& c) {
    c->socket.async_read_some(asio::buffer(c->buf), [this, c](const boost::system::error_code& ec, std::size_t n) {
      if (ec) return drop(c);
      stats_.bytes_in += n;
      c->in.append(c->buf.data(), n);
      std::size_t start = 0;
      for (;;) {
        auto nl = c->in.find('\n', start);
        if (nl == std::string::npos) break;
        std::size_t end = nl > start && c->in[nl - 1] == '\r' ? nl - 1 : nl;
        on_line(c, std::string_view(c->in).substr(start, end - start));
        start = nl + 1;
        if (c->closed) return;
      }
      c->in.erase(0, start);
      read(c);
    });
  }

  void write(const ClientPtr& c, std::string_view bytes) {
    if (c->closed) return;
    c->queued.append(bytes);
    if (!c->writing) flush(c);
  }

  void flush(const ClientPtr& c) {
    c->writing = true;
    c->in_flight.swap(c->queued);
    c->queued.clear();
    asio::async_write(c->socket, asio::buffer(c->in_flight), [this, c](const boost::system::error_code& ec, std::size_t) {
      c->writing = false;
      c->in_flight.clear();
      if (ec) return;
      if (!c->queued.empty()) flush(c);
    });
  }

  // Splits "CMD a b :rest" into the command and its parameters (prefix ignored).
  static std::vector<std::string_view> split(std::string_view line) {
    std::vector<std::string_view> out;
    if (!line.empty() && line[0] == '@') line.remove_prefix(std::min(line.size(), line.find(' ') + 1));
    if (!line.empty() && line[0] == ':') line.remove_prefix(std::min(line.size(), line.find(' ') + 1));
    while (!line.empty()) {
      if (line[0] == ':') {
        out.push_back(line.substr(1));
        break;
      }
      auto sp = line.find(' ');
      out.push_back(line.substr(0, sp));
      if (sp == std::string_view::npos) break;
      line.remove_prefix(sp + 1);
      while (!line.empty() && line[0] == ' ') line.remove_prefix(1);
    }
    return out;
  }

  std::string numeric(const Client& c, std::string_view code) const {
    std::string s = ":";
    s.append(kServer).append(" ").append(code).append(" ").append(c.nick.empty() ? "*" : c.nick).append(" ");
    return s;
  }

  void on_line(const ClientPtr& c, std::string_view line) {
    auto p = split(line);
    if (p.empty()) return;
    std::string_view cmd = p[0];
    if (cmd == "PRIVMSG" || cmd == "NOTICE") {
      if (p.size() < 3 || p[1].empty() || p[1][0] != '#') return;
      ++stats_.privmsgs;
      if (on_privmsg) on_privmsg(p[2]);
      if (relay) {
        auto it = channels_.find(std::string(p[1]));
        if (it == channels_.end()) return;
        std::string out = ":" + c->nick + "!u@bench.host " + std::string(cmd) + " " + std::string(p[1]) + " :" + std::string(p[2]) + "\r\n";
        for (auto& m : it->second.members)
          if (m != c) write(m, out);
      }
    } else if (cmd == "PING") {
      write(c, ":" + std::string(kServer) + " PONG " + std::string(kServer) + " :" + std::string(p.size() > 1 ? p[1] : "") + "\r\n");
    } else if (cmd == "NICK" && p.size() > 1) {
      c->nick = std::string(p[1]);
      maybe_register(c);
    } else if (cmd == "USER") {
      c->user = true;
      maybe_register(c);
    } else if (cmd == "CAP" && p.size() > 1) {
      if (p[1] == "LS") {
        c->capneg = true;
        write(c, ":" + std::string(kServer) + " CAP * LS :\r\n");
      } else if (p[1] == "REQ") {
        write(c, ":" + std::string(kServer) + " CAP * NAK :" + std::string(p.size() > 2 ? p[2] : "") + "\r\n");
      } else if (p[1] == "END") {
        c->capneg = false;
        maybe_register(c);
      }
    } else if (cmd == "JOIN" && p.size() > 1 && c->registered) {
      std::string_view list = p[1];
      while (!list.empty()) {
        auto comma = list.find(',');
        join(c, std::string(list.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
      }
    } else if (cmd == "PART" && p.size() > 1) {
      part(c, std::string(p[1]), "PART " + std::string(p[1]));
    } else if (cmd == "QUIT") {
      write(c, "ERROR :Closing link\r\n");
      drop(c);
    } else if (cmd == "MODE" && p.size() == 2 && !p[1].empty() && p[1][0] == '#') {
      write(c, numeric(*c, "324") + std::string(p[1]) + " +nt\r\n");
    }
  }

  void maybe_register(const ClientPtr& c) {
    if (c->registered || c->nick.empty() || !c->user || c->capneg) return;
    c->registered = true;
    ++stats_.registered;
    std::string s;
    s += numeric(*c, "001") + ":Welcome to the bench network " + c->nick + "\r\n";
    s += numeric(*c, "002") + ":Your host is irc.bench\r\n";
    s += numeric(*c, "003") + ":This server was created today\r\n";
    s += numeric(*c, "004") + "irc.bench bench-1 iow biklmnopstv\r\n";
    s += numeric(*c, "005") +
         "CHANTYPES=# PREFIX=(ov)@+ CHANMODES=b,k,l,imnpst NICKLEN=30 CHANNELLEN=50 TOPICLEN=300 "
         "CASEMAPPING=rfc1459 NETWORK=Bench :are supported by this server\r\n";
    s += numeric(*c, "422") + ":MOTD File is missing\r\n";
    write(c, s);
  }

  void join(const ClientPtr& c, std::string name) {
    auto& ch = channels_[name];
    for (auto& m : ch.members)
      if (m == c) return;
    ch.members.push_back(c);
    ++stats_.joins;
    std::string announce = ":" + c->nick + "!u@bench.host JOIN " + name + "\r\n";
    for (auto& m : ch.members) write(m, announce);
    std::string s;
    s += numeric(*c, "332") + name + " :Benchmark room\r\n";
    s += numeric(*c, "333") + name + " " + std::string(kBot) + " 1700000000\r\n";
    // NAMES in lines of at most ~400 bytes, like a real server; kBot is always there.
    std::string head = numeric(*c, "353") + "= " + name + " :";
    std::string names = "@" + std::string(kBot);
    for (auto& m : ch.members) {
      if (names.size() + m->nick.size() + 1 > 400) {
        s += head + names + "\r\n";
        names.clear();
      }
      if (!names.empty()) names += ' ';
      names += m->nick;
    }
    s += head + names + "\r\n";
    s += numeric(*c, "366") + name + " :End of /NAMES list.\r\n";
    write(c, s);
  }

  void part(const ClientPtr& c, const std::string& name, const std::string& what) {
    auto it = channels_.find(name);
    if (it == channels_.end()) return;
    auto& mem = it->second.members;
    bool found = false;
    for (auto i = mem.begin(); i != mem.end(); ++i)
      if (*i == c) {
        mem.erase(i);
        found = true;
        break;
      }
    if (!found) return;
    std::string out = ":" + c->nick + "!u@bench.host " + what + "\r\n";
    write(c, out);
    for (auto& m : mem) write(m, out);
  }

  void drop(const ClientPtr& c) {
    if (c->closed) return;
    for (auto& [name, ch] : channels_) {
      auto& mem = ch.members;
      for (auto i = mem.begin(); i != mem.end(); ++i)
        if (*i == c) {
          mem.erase(i);
          if (!quiet_quits) {
            std::string out = ":" + c->nick + "!u@bench.host QUIT :Quit\r\n";
            for (auto& m : mem) write(m, out);
          }
          break;
        }
    }
    c->closed = true;
    boost::system::error_code ignored;
    c->socket.shutdown(tcp::socket::shutdown_both, ignored);
    c->socket.close(ignored);
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  std::unordered_map<std::string, Channel> channels_;
  Stats stats_;
};

}  // namespace junction::bench::irc
