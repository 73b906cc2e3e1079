// The core's per-stanza path on one core, in process, without sockets:
//   bytes -> ComponentSession (StreamParser, Expat) -> Element -> dispatch as
//   GatewayHost::on_stanza does (to/from parsed as JIDs with stringprep, domain and
//   user_domains checks, by stanza name) -> a reply Element -> serialised by the session
//   into the transport's write queue.
// The session is the real sans-I/O state machine, fed through a fake transport that answers
// its XEP-0199 pings, in reads of up to 16 KiB (ComponentConnection's buffer) cut at stanza
// boundaries.
// Stages, each on a fresh session:
//   parse       StreamParser alone, building Elements (the ceiling)
//   core        parse -> dispatch -> reply -> serialise, replies written at once
//   durable     the same, each reply stored first by the real XmppDelivery in a real SQLite
//               file (one INSERT per reply, one UPDATE per ping barrier), as deliver() does
// Prints stanzas/s (min/median/max over runs); never fails on timing.
//   core_path_bench [stanzas=200000] [runs=5] [parse|core|durable]
#include "core_bench_support.hpp"
#include "core/xmpp_delivery.hpp"
#include "store/sqlite_store.hpp"
#include "util/log.hpp"
#include "xmpp/component_session.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stanza.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <tuple>
#include <filesystem>
#include <unistd.h>

using namespace junction;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view domain = "echo.localhost";
constexpr std::string_view user_domain = "localhost";
constexpr std::size_t read_size = 16 * 1024;  // ComponentConnection's read buffer

// Transport and clock for the session: collects what it writes, answers its pings.
class BenchTransport final : public xmpp::ComponentTransport, public xmpp::SessionClock {
 public:
  void open() override {}
  void close() override {}
  void write(std::string bytes) override {
    bytes_out += bytes.size();
    if (bytes.starts_with("<message")) {
      ++messages_out;
    } else if (bytes.starts_with("<iq type='get'") && bytes.find("urn:xmpp:ping") != std::string::npos) {
      auto at = bytes.find(" id='");
      auto id = bytes.substr(at + 5, bytes.find('\'', at + 5) - at - 5);
      ++pings;
      replies.push_back("<iq type='result' from='" + std::string(user_domain) + "' to='" + std::string(domain) +
                        "' id='" + id + "'/>");
    }
  }
  time_point now() const override { return std::chrono::steady_clock::now(); }
  void schedule(xmpp::SessionTimer, Duration) override {}
  void cancel(xmpp::SessionTimer) override {}

  std::size_t messages_out = 0, bytes_out = 0, pings = 0;
  std::deque<std::string> replies;  // ping results to feed back after the current read
};

// The StanzaLink GatewayHost gives XmppDelivery, over the bench session.
class SessionLink final : public core::StanzaLink {
 public:
  explicit SessionLink(xmpp::ComponentSession*& session) : session_(session) {}
  bool online() const override { return session_->online(); }
  bool write_serialized(std::string_view stanza) override { return session_->send_raw(stanza); }
  void barrier(std::function<void(bool)> done) override { session_->ping(std::move(done)); }

 private:
  xmpp::ComponentSession*& session_;
};

std::string make_input(std::size_t n) {
  std::string s = "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
                  "xmlns='jabber:component:accept' id='bench-stream-1' from='echo.localhost'><handshake/>";
  for (std::size_t i = 0; i < n; ++i) s += bench::message_stanza(i, domain, user_domain);
  return s;
}

enum class Stage { parse, core, durable };

struct Counters {
  std::size_t in = 0, dropped = 0;
};

// GatewayHost::on_stanza and route_message for a message, with a gateway that answers.
void dispatch(xmpp::Element&& stanza, const std::vector<std::string>& user_domains, Counters& counters,
              const std::function<void(xmpp::Element)>& reply_sink) {
  ++counters.in;
  auto to = xmpp::Jid::parse(stanza.attr_or("to"));
  auto from = xmpp::Jid::parse(stanza.attr_or("from"));
  if (!from || !to || to->domain() != domain) {
    ++counters.dropped;
    return;
  }
  if (stanza.name() != "message" || stanza.attr_or("type") == "error") {
    ++counters.dropped;
    return;
  }
  if (std::find(user_domains.begin(), user_domains.end(), from->domain()) == user_domains.end()) {
    ++counters.dropped;
    return;
  }
  std::string body = stanza.child_text("body");
  if (body.empty() || to->node().empty()) {
    ++counters.dropped;
    return;
  }
  xmpp::Element reply("message");
  reply.set_attr("type", "chat");
  reply.set_attr("from", to->str());
  reply.set_attr("to", from->str());
  reply.add_child("body").set_text("echo: " + body);
  reply_sink(std::move(reply));
}

double run(Stage stage, const std::string& input, std::size_t n) {
  std::vector<std::string> user_domains{std::string(user_domain)};
  Counters counters;
  BenchTransport transport;
  const auto t0 = std::chrono::steady_clock::now();

  if (stage == Stage::parse) {
    xmpp::StreamParser parser({{}, [&](xmpp::Element&& e) { counters.in += !e.name().empty(); }, {}, {}});
    for (std::size_t pos = 0; pos < input.size(); pos += read_size)
      parser.feed(std::string_view(input).substr(pos, read_size));
    // The handshake is a first-level element too.
    counters.in -= 1;
  } else {
    xmpp::ComponentOptions options;
    options.domain = domain;
    options.secret = "bench";
    xmpp::ComponentSession* session_ptr = nullptr;
    SessionLink link(session_ptr);
    Metrics metrics;
    std::unique_ptr<store::SqliteStore> store;
    std::unique_ptr<core::XmppDelivery> delivery;
    fs::path db;
    std::size_t seq = 0;

    std::function<void(xmpp::Element)> sink;
    if (stage == Stage::core) {
      sink = [&](xmpp::Element reply) { session_ptr->send(reply); };
    } else {
      db = fs::temp_directory_path() / fmt::format("junction-core-path-{}.db", ::getpid());
      auto opened = store::SqliteStore::open(db.string());
      if (!opened) {
        std::fprintf(stderr, "store: %s\n", opened.error().message.c_str());
        std::exit(1);
      }
      store = std::move(*opened);
      delivery = std::make_unique<core::XmppDelivery>("echo", store->outbox(), link, metrics);
      sink = [&](xmpp::Element reply) {
        auto user = reply.attr_or("to");
        auto stored = delivery->deliver(reply, "bench:" + std::to_string(seq++), user);
        if (!stored || !*stored) ++counters.dropped;
      };
    }
    xmpp::ComponentSession::Callbacks callbacks;
    callbacks.on_online = [&] {
      if (delivery) delivery->on_online();
    };
    callbacks.on_stanza = [&](xmpp::Element&& e) { dispatch(std::move(e), user_domains, counters, sink); };
    xmpp::ComponentSession session(options, transport, transport, callbacks);
    session_ptr = &session;
    session.start();
    session.connected();
    // Reads end on a stanza boundary so the ping answers fed in between (the server's
    // interleaved writes) never land inside a message.
    for (std::size_t pos = 0; pos < input.size();) {
      std::size_t end = std::min(input.size(), pos + read_size);
      if (end < input.size()) {
        auto cut = input.rfind("</message>", end - 10);
        if (cut != std::string::npos && cut + 10 > pos) end = cut + 10;
      }
      session.received(std::string_view(input).substr(pos, end - pos));
      pos = end;
      while (!transport.replies.empty()) {
        auto reply = std::move(transport.replies.front());
        transport.replies.pop_front();
        session.received(reply);
      }
    }
    if (delivery && delivery->unconfirmed() > 0)
      std::fprintf(stderr, "  (%zu replies still awaiting a barrier; %zu pings)\n", delivery->unconfirmed(),
                   transport.pings);
    if (transport.messages_out + counters.dropped != n)
      std::fprintf(stderr, "  expected %zu replies, wrote %zu (dropped %zu)\n", n, transport.messages_out,
                   counters.dropped);
    delivery.reset();
    store.reset();
    if (!db.empty())
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
  }
  const auto t1 = std::chrono::steady_clock::now();
  if (counters.in != n) std::fprintf(stderr, "  expected %zu stanzas in, got %zu\n", n, counters.in);
  return static_cast<double>(n) / std::chrono::duration<double>(t1 - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 200000;
  int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  std::string only = argc > 3 ? argv[3] : "";  // parse | core | durable: one stage (for a profiler)
  if (n == 0 || runs <= 0) {
    std::fprintf(stderr, "usage: %s [stanzas] [runs]\n", argv[0]);
    return 2;
  }
  log::set_level(log::Level::error);
  const std::string input = make_input(n);
  std::printf("core_path_bench: %zu message stanzas (%.0f bytes each), %zu-byte reads, %d runs per stage\n", n,
              static_cast<double>(input.size()) / static_cast<double>(n), read_size, runs);
  for (auto [stage, key, name] : {std::tuple{Stage::parse, "parse", "parse (Expat -> Element)"},
                                  std::tuple{Stage::core, "core", "core: parse+dispatch+serialize"},
                                  std::tuple{Stage::durable, "durable", "core + durable outbox (SQLite)"}}) {
    if (!only.empty() && only != key) continue;
    std::vector<double> rates;
    for (int r = 0; r < runs; ++r) rates.push_back(run(stage, input, n));
    std::sort(rates.begin(), rates.end());
    std::printf("  %-32s min %8.0f  median %8.0f  max %8.0f  stanzas/s\n", name, rates.front(),
                bench::percentile(rates, 0.5), rates.back());
    std::fflush(stdout);
  }
  return 0;
}
