#include "irc_connection.hpp"

#include "sasl.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace junction::irc {
namespace {

using namespace std::chrono_literals;

// Timers that fire only when the test moves the manual clock.
struct FakeScheduler {
  struct Entry {
    Clock::time_point due;
    std::function<void()> callback;
  };
  ManualClock clock;
  std::map<int, Entry> armed;
  int next_id = 0;

  void advance(Clock::duration d) {
    Clock::time_point end = clock.now() + d;
    for (;;) {
      auto it = std::min_element(armed.begin(), armed.end(),
                                 [](const auto& a, const auto& b) { return a.second.due < b.second.due; });
      if (it == armed.end() || it->second.due > end) break;
      clock.set(std::max(clock.now(), it->second.due));
      auto callback = std::move(it->second.callback);
      armed.erase(it);
      callback();
    }
    clock.set(end);
  }
};

class FakeTimer final : public Timer {
 public:
  explicit FakeTimer(FakeScheduler& s) : s_(s), id_(++s.next_id) {}
  ~FakeTimer() override { cancel(); }
  void start(Clock::duration delay, std::function<void()> callback) override {
    s_.armed[id_] = {s_.clock.now() + delay, std::move(callback)};
  }
  void cancel() override { s_.armed.erase(id_); }
  bool armed() const override { return s_.armed.count(id_) > 0; }

 private:
  FakeScheduler& s_;
  int id_;
};

// What the "server" sees and controls; outlives the transport objects handed out.
struct FakeWire {
  Transport::Handlers handlers;
  std::vector<std::string> sent;  // lines without CRLF
  std::vector<std::function<void()>> flush_waiters;
  bool closed = false;
  int connects = 0;
  std::string client_cert;

  void serve(const std::string& line) {
    if (!closed && handlers.on_data) handlers.on_data(line + "\r\n");
  }
  std::string last() const { return sent.empty() ? "" : sent.back(); }
  bool saw(const std::string& line) const { return std::find(sent.begin(), sent.end(), line) != sent.end(); }
};

class FakeTransport final : public Transport {
 public:
  explicit FakeTransport(FakeWire& w) : w_(w) {}
  void connect(const NetworkConfig&, const std::string& client_cert, Handlers handlers) override {
    w_.client_cert = client_cert;
    w_.handlers = std::move(handlers);
    w_.closed = false;
    ++w_.connects;
  }
  void write(std::string bytes) override {
    ASSERT_FALSE(w_.closed);
    ASSERT_EQ(bytes.substr(bytes.size() - 2), "\r\n");
    w_.sent.push_back(bytes.substr(0, bytes.size() - 2));
  }
  void when_flushed(std::function<void()> done) override { w_.flush_waiters.push_back(std::move(done)); }
  void close() override {
    w_.closed = true;
    w_.handlers = {};
    w_.flush_waiters.clear();
  }

 private:
  FakeWire& w_;
};

class IrcConnectionTest : public ::testing::Test {
 protected:
  IrcConnectionTest() {
    network.alias = "test";
    network.host = "irc.test";
    identity.nick = "alice";
    identity.username = "al";
    identity.realname = "Alice Liddell";
  }

  void make() {
    IrcEnvironment env{[this] { return std::make_unique<FakeTransport>(wire); },
                       [this] { return std::make_unique<FakeTimer>(sched); }, &sched.clock};
    IrcConnection::Events events;
    events.on_registered = [this](const std::string& n) { registered_as.push_back(n); };
    events.on_failed = [this](const std::string& r) { failures.push_back(r); };
    events.on_disconnected = [this](const std::string& r) { disconnects.push_back(r); };
    events.on_message = [this](const IrcMessage& m) { messages.push_back(m); };
    conn = std::make_unique<IrcConnection>(env, network, identity, events);
  }

  void connect_and_open() {
    if (!conn) make();
    conn->connect();
    wire.handlers.on_connected();
  }

  void register_plain() {
    connect_and_open();
    wire.serve(":srv CAP * LS :multi-prefix");
    wire.serve(":srv CAP alice ACK :multi-prefix");
    wire.serve(":srv 001 alice :Welcome alice!al@host.example");
    ASSERT_TRUE(conn->registered());
    wire.sent.clear();
  }

  NetworkConfig network;
  UserIdentity identity;
  FakeScheduler sched;
  FakeWire wire;
  std::unique_ptr<IrcConnection> conn;
  std::vector<std::string> registered_as, failures, disconnects;
  std::vector<IrcMessage> messages;
};

TEST_F(IrcConnectionTest, RegistersWithCapAndSaslPlain) {
  identity.sasl_mechanism = "plain";
  identity.sasl_user = "acct";
  identity.sasl_password = "secret";
  network.password = "serverpass";
  connect_and_open();
  EXPECT_EQ(wire.sent, (std::vector<std::string>{"CAP LS 302", "PASS serverpass", "NICK alice",
                                                 "USER al 0 * :Alice Liddell"}));
  wire.serve(":srv CAP * LS :sasl=PLAIN,EXTERNAL multi-prefix server-time");
  EXPECT_EQ(wire.last(), "CAP REQ :multi-prefix sasl server-time");
  wire.serve(":srv CAP * ACK :multi-prefix sasl server-time");
  EXPECT_EQ(wire.last(), "AUTHENTICATE PLAIN");
  wire.serve("AUTHENTICATE +");
  EXPECT_EQ(wire.last(), "AUTHENTICATE " + base64_encode(sasl_plain_message("", "acct", "secret")));
  wire.serve(":srv 900 alice alice!al@h acct :You are now logged in as acct");
  wire.serve(":srv 903 alice :SASL authentication successful");
  EXPECT_EQ(wire.last(), "CAP END");
  EXPECT_FALSE(conn->registered());
  wire.serve(":srv 001 alice :Welcome");
  EXPECT_EQ(registered_as, std::vector<std::string>{"alice"});
  EXPECT_TRUE(conn->cap_enabled("server-time"));
  EXPECT_FALSE(wire.saw("PRIVMSG NickServ :IDENTIFY acct secret"));
  EXPECT_FALSE(messages.empty());  // everything is still passed on
}

TEST_F(IrcConnectionTest, SaslFailureFallsBackToNickServ) {
  identity.sasl_mechanism = "PLAIN";
  identity.sasl_user = "acct";
  identity.sasl_password = "secret";
  connect_and_open();
  wire.serve(":srv CAP * LS :sasl");
  wire.serve(":srv CAP * ACK :sasl");
  wire.serve("AUTHENTICATE +");
  wire.serve(":srv 904 alice :SASL authentication failed");
  EXPECT_EQ(wire.last(), "CAP END");
  wire.serve(":srv 001 alice :Welcome");
  EXPECT_EQ(wire.last(), "PRIVMSG NickServ :IDENTIFY acct secret");
}

TEST_F(IrcConnectionTest, NickServPasswordAndOnConnectCommandsAfterWelcome) {
  identity.nickserv_password = "pw";
  identity.on_connect_commands = {"MODE alice +x", "JOIN #a\r\nQUIT", "JOIN #b"};
  connect_and_open();
  conn->send(make_message("JOIN", {"#early"}));  // held until registered
  EXPECT_FALSE(wire.saw("JOIN #early"));
  wire.serve(":srv 001 alice :Welcome");  // no CAP reply: an old server
  std::vector<std::string> tail(wire.sent.end() - 4, wire.sent.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"PRIVMSG NickServ :IDENTIFY pw", "MODE alice +x", "JOIN #b",
                                            "JOIN #early"}));
}

TEST_F(IrcConnectionTest, NickCollisionsAppendUnderscores) {
  connect_and_open();
  wire.serve(":srv 433 * alice :Nickname is already in use");
  EXPECT_EQ(wire.last(), "NICK alice_");
  wire.serve(":srv 433 * alice_ :Nickname is already in use");
  EXPECT_EQ(wire.last(), "NICK alice__");
  wire.serve(":srv 001 alice__ :Welcome");
  EXPECT_EQ(registered_as, std::vector<std::string>{"alice__"});
  EXPECT_EQ(conn->nick(), "alice__");
}

TEST_F(IrcConnectionTest, NickCollisionAtLengthLimitUsesCounter) {
  identity.nick = "ninechars";
  connect_and_open();
  wire.serve(":srv 437 * ninechars :Nick temporarily unavailable");
  EXPECT_EQ(wire.last(), "NICK ninechar1");
  wire.serve(":srv 432 * ninechar1 :Erroneous nickname");
  EXPECT_EQ(wire.last(), "NICK ninechar2");
}

TEST_F(IrcConnectionTest, GivesUpAfterTooManyNicks) {
  connect_and_open();
  for (int i = 0; i < 11; ++i) wire.serve(":srv 433 * x :in use");
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(failures[0].find("no usable nick"), std::string::npos);
  EXPECT_TRUE(wire.closed);
}

TEST_F(IrcConnectionTest, ConnectAndRegistrationTimeouts) {
  network.connect_timeout = 5s;
  make();
  conn->connect();
  sched.advance(5s);
  EXPECT_EQ(failures, std::vector<std::string>{"connection timed out"});
  EXPECT_TRUE(wire.closed);
  conn->connect();
  wire.handlers.on_connected();
  sched.advance(4s);
  EXPECT_EQ(failures.size(), 1u);
  sched.advance(1s);
  EXPECT_EQ(failures.back(), "registration timed out");
  EXPECT_EQ(wire.connects, 2);
}

TEST_F(IrcConnectionTest, ErrorAndTransportFailureReportReasons) {
  make();
  conn->connect();
  wire.handlers.on_closed("cannot connect to irc.test:6667: Connection refused");
  EXPECT_EQ(failures.back(), "cannot connect to irc.test:6667: Connection refused");
  connect_and_open();
  wire.serve("ERROR :Closing Link: banned");
  EXPECT_EQ(failures.back(), "server error: Closing Link: banned");
  register_plain();
  wire.handlers.on_closed("connection closed by the server");
  EXPECT_EQ(disconnects, std::vector<std::string>{"connection closed by the server"});
}

TEST_F(IrcConnectionTest, PingIsAnsweredAtOnceEvenWhenTheQueueIsFull) {
  network.flood_burst = 1;
  register_plain();
  for (int i = 0; i < 5; ++i) conn->send(make_message("PRIVMSG", {"#a", "x"}));
  EXPECT_EQ(conn->queued(), 4u);
  wire.serve("PING :token 1");
  EXPECT_EQ(wire.last(), "PONG :token 1");
}

TEST_F(IrcConnectionTest, KeepalivePingMeasuresLagAndTimesOut) {
  network.ping_interval = 60s;
  register_plain();
  sched.advance(30s);
  wire.serve(":bob!b@h PRIVMSG alice :hi");  // activity postpones our PING
  sched.advance(59s);
  EXPECT_TRUE(wire.sent.empty());
  sched.advance(1s);
  EXPECT_EQ(wire.last(), "PING junction-1");
  sched.advance(150ms);
  wire.serve(":srv PONG srv :junction-1");
  EXPECT_EQ(conn->lag(), 150ms);
  sched.advance(60s);
  EXPECT_EQ(wire.last(), "PING junction-2");
  sched.advance(59s);
  EXPECT_TRUE(disconnects.empty());
  sched.advance(1s);
  EXPECT_EQ(disconnects, std::vector<std::string>{"ping timeout"});
  EXPECT_TRUE(wire.closed);
  EXPECT_FALSE(conn->registered());
}

TEST_F(IrcConnectionTest, FloodControlPacesAndLeavesNoTimerWhenIdle) {
  network.flood_burst = 3;
  network.flood_interval = 2s;
  register_plain();
  std::size_t idle_timers = sched.armed.size();  // the keepalive only
  for (int i = 0; i < 6; ++i) conn->send(make_message("PRIVMSG", {"#a", std::to_string(i)}));
  EXPECT_EQ(wire.sent.size(), 3u);
  EXPECT_EQ(sched.armed.size(), idle_timers + 1);
  sched.advance(1999ms);
  EXPECT_EQ(wire.sent.size(), 3u);
  sched.advance(1ms);
  EXPECT_EQ(wire.sent.size(), 4u);
  sched.advance(4s);
  EXPECT_EQ(wire.sent.size(), 6u);
  EXPECT_EQ(wire.last(), "PRIVMSG #a 5");
  EXPECT_EQ(sched.armed.size(), idle_timers);
}

TEST_F(IrcConnectionTest, RefusesLineBreaksAndNul) {
  register_plain();
  conn->send(make_message("PRIVMSG", {"#a", "hi\r\nQUIT :bye"}));
  conn->send(make_message("PRIVMSG", {"#a", std::string("a\0b", 3)}));
  EXPECT_FALSE(conn->send_raw("PRIVMSG #a :x\nQUIT"));
  EXPECT_TRUE(wire.sent.empty());
  EXPECT_TRUE(conn->send_raw("PRIVMSG #a :fine"));
  EXPECT_EQ(wire.last(), "PRIVMSG #a fine");
  conn->send_text("PRIVMSG", "#a", "one\r\ntwo\nthree");
  EXPECT_EQ(wire.sent.size(), 4u);
  EXPECT_EQ(wire.sent[3], "PRIVMSG #a three");
}

TEST_F(IrcConnectionTest, SendTextSplitsAtTheRelayLimit) {
  network.flood_burst = 100;
  register_plain();
  std::string text(1000, 'x');
  conn->send_text("PRIVMSG", "#chan", text);
  ASSERT_GE(wire.sent.size(), 2u);
  std::size_t total = 0;
  for (const auto& line : wire.sent) {
    // What the server relays: ":alice!al@host.example " + line + CRLF.
    EXPECT_LE(std::string(":alice!al@host.example ").size() + line.size() + 2, 512u);
    std::string_view payload = std::string_view(line).substr(std::string("PRIVMSG #chan ").size());
    if (payload.starts_with(':')) payload.remove_prefix(1);
    total += payload.size();
  }
  EXPECT_EQ(total, 1000u);
}

TEST_F(IrcConnectionTest, QuitGoesFirstFlushesAndCloses) {
  network.flood_burst = 1;
  register_plain();
  conn->send(make_message("PRIVMSG", {"#a", "1"}));
  conn->send(make_message("PRIVMSG", {"#a", "2"}));
  bool done = false;
  conn->quit("bye", [&] { done = true; });
  EXPECT_EQ(wire.last(), "QUIT bye");
  EXPECT_FALSE(wire.saw("PRIVMSG #a 2"));
  EXPECT_FALSE(done);
  ASSERT_EQ(wire.flush_waiters.size(), 1u);
  auto flushed = wire.flush_waiters[0];
  flushed();
  EXPECT_TRUE(done);
  EXPECT_TRUE(wire.closed);
  EXPECT_TRUE(disconnects.empty());
  EXPECT_TRUE(sched.armed.empty());
}

TEST_F(IrcConnectionTest, QuitIsBoundedWhenTheWriteNeverCompletes) {
  register_plain();
  bool done = false;
  conn->quit("bye", [&] { done = true; });
  sched.advance(2s);
  EXPECT_TRUE(done);
  EXPECT_TRUE(wire.closed);
  bool again = false;
  conn->quit("bye", [&] { again = true; });  // nothing to close: done at once
  EXPECT_TRUE(again);
}

TEST_F(IrcConnectionTest, CtcpRequestsAreAnsweredAndStillPassedOn) {
  register_plain();
  wire.serve(":bob!b@h PRIVMSG alice :\x01VERSION\x01");
  EXPECT_EQ(wire.last(), "NOTICE bob :\x01VERSION Junction\x01");
  ASSERT_FALSE(messages.empty());
  EXPECT_TRUE(IrcConnection::is_ctcp_query(messages.back()));
  wire.serve(":bob!b@h PRIVMSG #a :\x01" "ACTION waves\x01");
  EXPECT_FALSE(IrcConnection::is_ctcp_query(messages.back()));
  EXPECT_EQ(messages.back().param(1), "\x01" "ACTION waves\x01");
}

TEST_F(IrcConnectionTest, DecodesFallbackCharsetAndTracksNickAndISupport) {
  network.encoding = Fallback::latin1;
  register_plain();
  wire.serve(":srv 005 alice NICKLEN=30 CHANTYPES=# :are supported");
  EXPECT_EQ(conn->isupport().nicklen, 30u);
  wire.serve("@time=2024-01-01T00:00:00.000Z :bob!b@h PRIVMSG #a :caf\xe9");
  EXPECT_EQ(messages.back().param(1), "caf\xc3\xa9");
  EXPECT_EQ(messages.back().tag("time"), "2024-01-01T00:00:00.000Z");
  wire.serve(":ALICE!al@h NICK :alicia");
  EXPECT_EQ(conn->nick(), "alicia");
}

TEST_F(IrcConnectionTest, CallbacksMayDestroyTheConnection) {
  make();
  IrcConnection::Events events;
  events.on_failed = [this](const std::string&) { conn.reset(); };
  events.on_registered = [this](const std::string&) { conn.reset(); };
  IrcEnvironment env{[this] { return std::make_unique<FakeTransport>(wire); },
                     [this] { return std::make_unique<FakeTimer>(sched); }, &sched.clock};
  conn = std::make_unique<IrcConnection>(env, network, identity, events);
  conn->connect();
  wire.handlers.on_connected();
  auto on_data = wire.handlers.on_data;
  on_data(":srv 001 alice :hi\r\n:srv 005 alice NICKLEN=30 :x\r\n");
  EXPECT_EQ(conn, nullptr);
  conn = std::make_unique<IrcConnection>(env, network, identity, events);
  conn->connect();
  sched.advance(network.connect_timeout);
  EXPECT_EQ(conn, nullptr);
}

TEST_F(IrcConnectionTest, ClientCertificateFromTheUserOrElseTheNetwork) {
  network.tls = true;
  network.client_certificate = "/etc/junction/network.pem";
  connect_and_open();
  EXPECT_EQ(wire.client_cert, "/etc/junction/network.pem");

  identity.client_cert_pem_file = "/var/lib/junction/alice.pem";
  conn.reset();
  make();
  conn->connect();
  EXPECT_EQ(wire.client_cert, "/var/lib/junction/alice.pem");

  // A certificate pasted in irc/configure comes as PEM text and wins over both files.
  identity.client_cert_pem = "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n";
  conn.reset();
  make();
  conn->connect();
  EXPECT_EQ(wire.client_cert, identity.client_cert_pem);
}

TEST_F(IrcConnectionTest, SaslLoginAfterCapNewOnceRegistered) {
  identity.sasl_mechanism = "PLAIN";
  identity.sasl_user = "alice";
  identity.sasl_password = "sesame";
  connect_and_open();
  wire.serve(":srv CAP * LS :cap-notify");
  wire.serve(":srv CAP alice ACK :cap-notify");
  wire.serve(":srv 001 alice :Welcome alice!al@host.example");
  ASSERT_TRUE(conn->registered());
  wire.sent.clear();

  wire.serve(":srv CAP alice NEW :sasl=PLAIN");
  EXPECT_EQ(wire.last(), "CAP REQ sasl");
  wire.serve(":srv CAP alice ACK :sasl");
  EXPECT_EQ(wire.last(), "AUTHENTICATE PLAIN");
  wire.serve("AUTHENTICATE +");
  EXPECT_EQ(wire.last(), "AUTHENTICATE " + base64_encode(std::string("\0alice\0sesame", 13)));
  wire.serve(":srv 900 alice alice!al@host.example alice :You are now logged in as alice");
  wire.serve(":srv 903 alice :SASL authentication successful");
  EXPECT_FALSE(wire.saw("CAP END"));
  EXPECT_TRUE(conn->registered());
  EXPECT_TRUE(conn->cap_enabled("sasl"));
}

}  // namespace
}  // namespace junction::irc
