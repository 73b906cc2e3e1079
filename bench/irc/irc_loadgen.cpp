// Load generator for IRC gateways (Junction's and biboumi side by side): plays the XMPP server
// (component port) and the IRC server on one thread, starts the gateway given after `--`,
// runs the scenarios in order and prints one RESULT line of key=value pairs. See
// bench/README.md ("IRC gateway") and bench/irc/run_irc_bench.sh, which writes the configs.
//
//   irc_loadgen --name junction --xmpp-port P --irc-port Q --room-server bench --users 100
//               [--room-size 100] [--domain irc.localhost] [--phase-seconds 5] [--idle-seconds 60]
//               [--rate 1000] [--latency-seconds 10] [--scenarios join,x2i,i2x,idle,latency]
//               [--log FILE] -- CMD ARGS...
// Users always join first; the other scenarios run in the order above.
#include "fake_component_server.hpp"
#include "fake_irc_server.hpp"
#include "gateway_process.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace junction;
using namespace junction::bench::irc;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string name = "gateway", domain = "irc.localhost", room_server, log = "/dev/null";
  std::uint16_t xmpp_port = 0, irc_port = 0;
  std::size_t users = 100, room_size = 0;
  double phase_seconds = 5, idle_seconds = 60, rate = 1000, latency_seconds = 10, join_timeout = 600;
  std::string scenarios = "join,x2i,i2x,idle,latency";
  bool has(std::string_view what) const { return ("," + scenarios + ",").find("," + std::string(what) + ",") != std::string::npos; }
  std::vector<std::string> command;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "irc_loadgen: %s\nsee the top of bench/irc/irc_loadgen.cpp for usage\n", why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  int i = 1;
  auto value = [&](const char* flag) -> std::string {
    if (i + 1 >= argc) usage(flag);
    return argv[++i];
  };
  for (; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") {
      for (++i; i < argc; ++i) o.command.emplace_back(argv[i]);
      break;
    }
    if (a == "--name") o.name = value("--name");
    else if (a == "--domain") o.domain = value("--domain");
    else if (a == "--room-server") o.room_server = value("--room-server");
    else if (a == "--log") o.log = value("--log");
    else if (a == "--xmpp-port") o.xmpp_port = static_cast<std::uint16_t>(std::stoi(value("--xmpp-port")));
    else if (a == "--irc-port") o.irc_port = static_cast<std::uint16_t>(std::stoi(value("--irc-port")));
    else if (a == "--users") o.users = std::stoul(value("--users"));
    else if (a == "--room-size") o.room_size = std::stoul(value("--room-size"));
    else if (a == "--phase-seconds") o.phase_seconds = std::stod(value("--phase-seconds"));
    else if (a == "--idle-seconds") o.idle_seconds = std::stod(value("--idle-seconds"));
    else if (a == "--rate") o.rate = std::stod(value("--rate"));
    else if (a == "--latency-seconds") o.latency_seconds = std::stod(value("--latency-seconds"));
    else if (a == "--join-timeout") o.join_timeout = std::stod(value("--join-timeout"));
    else if (a == "--scenarios") o.scenarios = value("--scenarios");
    else usage(argv[i]);
  }
  if (o.command.empty()) usage("no gateway command after --");
  if (o.room_server.empty() || o.xmpp_port == 0 || o.irc_port == 0) usage("--room-server, --xmpp-port and --irc-port are required");
  if (o.room_size == 0) o.room_size = o.users;
  return o;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(k, v.size() - 1)];
}

class Bench {
 public:
  explicit Bench(Options o)
      : o_(std::move(o)), xmpp_(io_, o_.xmpp_port, o_.domain, o_.users), irc_(io_, o_.irc_port) {}

  int run() {
    xmpp_.accept();
    irc_.accept();
    if (!gateway_.start(o_.command, o_.log)) return fatal("fork failed");
    if (!run_until([&] { return xmpp_.online(); }, 30)) return fatal("the gateway did not complete the component handshake");
    pump_for(1.0);
    result("rss_start_kib", static_cast<double>(gateway_.rss_kib()));
    if (!join()) return finish(1);
    if (o_.has("x2i")) xmpp_to_irc_blast();
    if (o_.has("i2x")) irc_to_xmpp_blast();
    if (o_.has("idle")) idle();
    if (o_.has("latency")) latency();
    return finish(0);
  }

 private:
  // --- helpers ---------------------------------------------------------------------------
  void pump_once() {
    if (io_.stopped()) io_.restart();
    io_.run_one_for(std::chrono::milliseconds(5));
  }
  template <class Pred>
  bool run_until(Pred done, double timeout) {
    auto start = Clock::now();
    while (!done()) {
      if (seconds_since(start) > timeout || xmpp_.failed() || !gateway_.running()) return false;
      pump_once();
    }
    return true;
  }
  void pump_for(double seconds) {
    auto start = Clock::now();
    while (seconds_since(start) < seconds) pump_once();
  }
  // Until nothing arrived from the gateway for `quiet` seconds; at most `timeout`.
  void settle(double quiet, double timeout = 60) {
    auto start = Clock::now();
    auto last_irc = irc_.stats().bytes_in;
    auto irc_seen = Clock::now();
    while (seconds_since(start) < timeout) {
      pump_once();
      if (irc_.stats().bytes_in != last_irc) {
        last_irc = irc_.stats().bytes_in;
        irc_seen = Clock::now();
      }
      auto last = std::max(xmpp_.last_stanza(), irc_seen);
      if (std::chrono::duration<double>(Clock::now() - last).count() >= quiet) return;
    }
  }

  std::string room_jid(std::size_t user) const {
    std::string room = "#bench";
    if (o_.room_size < o_.users) room += std::to_string(user / o_.room_size);
    return room + "%" + o_.room_server + "@" + o_.domain;
  }
  std::string user_jid(std::size_t user) const { return "user" + std::to_string(user) + "@localhost/bench"; }

  void result(const std::string& key, double v) { results_.emplace_back(key, v); }

  int fatal(const std::string& why) {
    std::fprintf(stderr, "irc_loadgen %s: %s\n", o_.name.c_str(), why.c_str());
    return finish(1);
  }

  int finish(int code) {
    if (xmpp_.failed()) std::fprintf(stderr, "irc_loadgen %s: %s\n", o_.name.c_str(), xmpp_.failure().c_str());
    for (auto& e : xmpp_.error_samples()) std::fprintf(stderr, "irc_loadgen %s: error stanza: %s\n", o_.name.c_str(), e.c_str());
    irc_.quiet_quits = true;
    gateway_.terminate();
    auto start = Clock::now();
    while (gateway_.running() && seconds_since(start) < 5) pump_once();
    gateway_.kill_hard();
    std::printf("RESULT gateway=%s users=%zu ok=%d", o_.name.c_str(), o_.users, code == 0 ? 1 : 0);
    for (auto& [k, v] : results_) std::printf(" %s=%.6g", k.c_str(), v);
    std::printf("\n");
    std::fflush(stdout);
    return code;
  }

  // --- scenarios -------------------------------------------------------------------------
  // Every user joins (all at once); time until each has its self-presence, then until the
  // presence flood is over; RSS growth per user.
  bool join() {
    double cpu0 = gateway_.cpu_seconds();
    long rss0 = gateway_.rss_kib();
    auto t0 = Clock::now();
    std::string batch;
    for (std::size_t u = 0; u < o_.users; ++u) {
      batch += "<presence from='" + user_jid(u) + "' to='" + room_jid(u) + "/u" + std::to_string(u) +
               "'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>";
      if (batch.size() > 64 * 1024) {
        xmpp_.write(batch);
        batch.clear();
      }
    }
    xmpp_.write(batch);
    auto report = Clock::now();
    bool ok = run_until(
        [&] {
          if (seconds_since(report) >= 10) {  // long joins: show that they progress
            report = Clock::now();
            std::fprintf(stderr, "irc_loadgen %s: %.0f s: %llu self-presences, %llu presences, %llu IRC registered, %llu joins\n",
                         o_.name.c_str(), seconds_since(t0), static_cast<unsigned long long>(xmpp_.stats().self_presences),
                         static_cast<unsigned long long>(xmpp_.stats().presences),
                         static_cast<unsigned long long>(irc_.stats().registered), static_cast<unsigned long long>(irc_.stats().joins));
          }
          return xmpp_.stats().self_presences >= o_.users;
        },
        o_.join_timeout);
    result("join_s", seconds_since(t0));
    result("joined", static_cast<double>(xmpp_.stats().self_presences));
    if (!ok) {
      result("join_presences", static_cast<double>(xmpp_.stats().presences));
      result("join_cpu_s", gateway_.cpu_seconds() - cpu0);
      std::fprintf(stderr, "irc_loadgen %s: only %llu of %zu users joined (irc: %llu connections, %llu registered, %llu joins)\n",
                   o_.name.c_str(), static_cast<unsigned long long>(xmpp_.stats().self_presences), o_.users,
                   static_cast<unsigned long long>(irc_.stats().connections),
                   static_cast<unsigned long long>(irc_.stats().registered), static_cast<unsigned long long>(irc_.stats().joins));
      return false;
    }
    settle(0.5, o_.join_timeout);
    result("join_settled_s", std::chrono::duration<double>(xmpp_.last_stanza() - t0).count());
    result("join_presences", static_cast<double>(xmpp_.stats().presences));
    result("join_cpu_s", gateway_.cpu_seconds() - cpu0);
    pump_for(1.0);
    long rss1 = gateway_.rss_kib();
    result("rss_joined_kib", static_cast<double>(rss1));
    result("rss_per_user_kib", static_cast<double>(rss1 - rss0) / static_cast<double>(o_.users));
    return true;
  }

  std::string groupchat(std::size_t user, std::string_view body, std::uint64_t id) const {
    std::string s = "<message from='" + user_jid(user) + "' to='" + room_jid(user) + "' type='groupchat' id='m";
    s += std::to_string(id);
    s += "'><body>";
    s.append(body);
    s += "</body></message>";
    return s;
  }

  // Groupchat messages from the users in turn, at most `window` not yet seen on the IRC side,
  // for phase_seconds; CPU per PRIVMSG that arrived (the reflection to the sender included).
  void xmpp_to_irc_blast() {
    irc_.relay = false;
    const std::uint64_t window = 200;
    std::uint64_t base = irc_.stats().privmsgs, sent = 0;
    auto reflections0 = xmpp_.stats().groupchat;
    double cpu0 = gateway_.cpu_seconds();
    auto t0 = Clock::now();
    while (seconds_since(t0) < o_.phase_seconds && !xmpp_.failed()) {
      std::uint64_t arrived = irc_.stats().privmsgs - base;
      if (sent - arrived < window / 2) {
        std::string batch;
        while (sent - arrived < window) {
          batch += groupchat(sent % o_.users, "bench message " + std::to_string(sent) + ": running late, see you at 7", sent);
          ++sent;
        }
        xmpp_.write(batch);
      }
      pump_once();
    }
    run_until([&] { return irc_.stats().privmsgs - base >= sent; }, 60);
    settle(0.3);
    double cpu = gateway_.cpu_seconds() - cpu0;
    auto arrived = irc_.stats().privmsgs - base;
    result("x2i_sent", static_cast<double>(sent));
    result("x2i_arrived", static_cast<double>(arrived));
    result("x2i_reflected", static_cast<double>(xmpp_.stats().groupchat - reflections0));
    result("x2i_per_s", static_cast<double>(arrived) / seconds_since(t0));
    result("x2i_cpu_us", arrived ? cpu * 1e6 / static_cast<double>(arrived) : 0);
  }

  // PRIVMSGs from the IRC-only member to every channel, at most `window` per member not yet
  // delivered as groupchat stanzas; CPU per delivered stanza.
  void irc_to_xmpp_blast() {
    const std::uint64_t window = 20;
    std::uint64_t members = o_.users;
    std::uint64_t base = xmpp_.stats().groupchat, sent = 0;
    double cpu0 = gateway_.cpu_seconds();
    auto t0 = Clock::now();
    while (seconds_since(t0) < o_.phase_seconds && !xmpp_.failed()) {
      std::uint64_t delivered = xmpp_.stats().groupchat - base;
      if (sent * members - delivered < window * members / 2) {
        std::uint64_t n = window - (sent * members - delivered) / members;
        irc_.bot_says(n, [&](std::uint64_t i) { return "irc line " + std::to_string(sent + i) + ": the build is green again"; });
        sent += n;
      }
      pump_once();
    }
    run_until([&] { return xmpp_.stats().groupchat - base >= sent * members; }, 120);
    settle(0.3);
    double cpu = gateway_.cpu_seconds() - cpu0;
    auto delivered = xmpp_.stats().groupchat - base;
    result("i2x_messages", static_cast<double>(sent));
    result("i2x_stanzas", static_cast<double>(delivered));
    result("i2x_per_s", static_cast<double>(delivered) / seconds_since(t0));
    result("i2x_cpu_us", delivered ? cpu * 1e6 / static_cast<double>(delivered) : 0);
  }

  void idle() {
    if (o_.idle_seconds <= 0) return;
    settle(1.0);
    double cpu0 = gateway_.cpu_seconds();
    auto t0 = Clock::now();
    pump_for(o_.idle_seconds);
    result("idle_core", (gateway_.cpu_seconds() - cpu0) / seconds_since(t0));
    result("rss_after_idle_kib", static_cast<double>(gateway_.rss_kib()));
  }

  // XMPP→IRC at a fixed rate: each body carries its sequence number; latency = arrival of the
  // PRIVMSG at the IRC side minus the time the stanza was queued for writing.
  void latency() {
    if (o_.latency_seconds <= 0 || o_.rate <= 0) return;
    irc_.relay = false;
    std::vector<Clock::time_point> sent_at;
    std::vector<double> lat;
    irc_.on_privmsg = [&](std::string_view text) {
      if (text.size() < 2 || text[0] != 'L') return;
      std::size_t k = std::strtoul(std::string(text.substr(1, text.find(' ') - 1)).c_str(), nullptr, 10);
      if (k < sent_at.size()) lat.push_back(std::chrono::duration<double>(Clock::now() - sent_at[k]).count());
    };
    double cpu0 = gateway_.cpu_seconds();
    auto t0 = Clock::now();
    while (seconds_since(t0) < o_.latency_seconds && !xmpp_.failed()) {
      auto due = static_cast<std::size_t>(seconds_since(t0) * o_.rate);
      std::string batch;
      while (sent_at.size() < due) {
        std::size_t k = sent_at.size();
        sent_at.push_back(Clock::now());
        std::string body = "L";  // appended rather than "L" + …: g++ 12 -O3 warns falsely (-Wrestrict)
        body += std::to_string(k);
        body += " paced message";
        batch += groupchat(k % o_.users, body, 1'000'000'000 + k);
      }
      if (!batch.empty()) xmpp_.write(batch);
      if (io_.stopped()) io_.restart();
      io_.run_one_for(std::chrono::microseconds(500));
    }
    double window = seconds_since(t0);
    run_until([&] { return lat.size() >= sent_at.size(); }, 10);
    double cpu = gateway_.cpu_seconds() - cpu0;
    irc_.on_privmsg = nullptr;
    result("lat_sent", static_cast<double>(sent_at.size()));
    result("lat_arrived", static_cast<double>(lat.size()));
    result("lat_p50_ms", percentile(lat, 0.5) * 1e3);
    result("lat_p99_ms", percentile(lat, 0.99) * 1e3);
    result("lat_max_ms", percentile(lat, 1.0) * 1e3);
    result("lat_core", cpu / window);
  }

  Options o_;
  asio::io_context io_;
  FakeComponentServer xmpp_;
  FakeIrcServer irc_;
  GatewayProcess gateway_;
  std::vector<std::pair<std::string, double>> results_;
};

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  // 10,000 connections need more than the default 1,024 descriptors here and in the gateway
  // (which inherits the limit).
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  signal(SIGPIPE, SIG_IGN);
  Bench bench(std::move(o));
  return bench.run();
}
