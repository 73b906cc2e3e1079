#include "xmpp/component_session.hpp"

#include "xmpp/handshake.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>

namespace junction::xmpp {
namespace {

using namespace std::chrono_literals;

struct FakeTransport : ComponentTransport {
  int opens = 0;
  int closes = 0;
  std::string out;  // everything written since the last take()
  void open() override { ++opens; }
  void write(std::string bytes) override { out += bytes; }
  void close() override { ++closes; }
  std::string take() { return std::exchange(out, {}); }
};

struct FakeClock : SessionClock {
  TimePoint t{};
  std::map<SessionTimer, TimePoint> timers;
  ComponentSession* session = nullptr;

  TimePoint now() const override { return t; }
  void schedule(SessionTimer id, Duration delay) override { timers[id] = t + delay; }
  void cancel(SessionTimer id) override { timers.erase(id); }

  // Moves time forward, firing due timers in deadline order as a real loop would.
  void advance(Duration d) {
    TimePoint end = t + d;
    for (;;) {
      auto next = timers.end();
      for (auto it = timers.begin(); it != timers.end(); ++it)
        if (it->second <= end && (next == timers.end() || it->second < next->second)) next = it;
      if (next == timers.end()) break;
      t = next->second;
      SessionTimer id = next->first;
      timers.erase(next);
      session->timer_fired(id);
    }
    t = end;
  }
  std::optional<Duration> pending(SessionTimer id) const {
    auto it = timers.find(id);
    if (it == timers.end()) return std::nullopt;
    return std::chrono::duration_cast<Duration>(it->second - t);
  }
};

const std::string server_open =
    "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
    "xmlns='jabber:component:accept' from='irc.example.org' id='3BF96D32'>";
const std::string good_digest = "b09ea9b3b7f586be8a08d0a3dd7466f110aeb136";  // sha1("3BF96D32secret")

std::string stream_error(std::string_view condition, std::string_view text = {}) {
  return stream_error_xml(condition, text);
}

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override { make(); }

  void make(std::function<void(ComponentOptions&)> tweak = {}) {
    ComponentOptions o;
    o.domain = "irc.example.org";
    o.secret = "secret";
    o.jitter = [] { return 0.5; };  // delays are 3/4 of the ceiling: 750 ms, 1.5 s, 3 s...
    if (tweak) tweak(o);
    ComponentSession::Callbacks cb;
    cb.on_online = [this] { ++onlines; };
    cb.on_stanza = [this](Element&& e) { stanzas.push_back(std::move(e)); };
    cb.on_offline = [this](const std::string& reason) { offline_reasons.push_back(reason); };
    cb.on_stopped = [this] { ++stopped; };
    session.reset();
    session = std::make_unique<ComponentSession>(std::move(o), transport, clock, std::move(cb));
    clock.session = session.get();
  }

  void go_online() {
    session->start();
    session->connected();
    session->received(server_open);
    session->received("<handshake/>");
    ASSERT_TRUE(session->online());
    transport.take();
  }

  FakeTransport transport;
  FakeClock clock;
  std::unique_ptr<ComponentSession> session;
  int onlines = 0;
  int stopped = 0;
  std::vector<Element> stanzas;
  std::vector<std::string> offline_reasons;
};

TEST(Handshake, DigestIsLowerHexSha1OfIdAndSecret) {
  EXPECT_EQ(handshake_digest("3BF96D32", "secret"), good_digest);
  EXPECT_EQ(handshake_digest("abc123", "s3cr3t"), "49fc1ea83a54123ae5a273341bed522fe7d4b91c");
}

TEST(Handshake, ParentDomainDropsFirstLabel) {
  EXPECT_EQ(parent_domain("irc.example.org"), "example.org");
  EXPECT_EQ(parent_domain("localhost"), "localhost");
}

TEST(Handshake, EveryConditionGetsAdviceNamingTheDomain) {
  for (auto c : {"not-authorized", "conflict", "host-unknown", "improper-addressing", "system-shutdown",
                 "connection-timeout", "policy-violation", "restricted-xml", "not-well-formed",
                 "invalid-namespace", "see-other-host", "something-new", ""}) {
    auto advice = explain_stream_error(c, "gw.example.org");
    EXPECT_NE(advice.message.find("gw.example.org"), std::string::npos) << c;
  }
  EXPECT_TRUE(explain_stream_error("host-unknown", "d").config_problem);
  EXPECT_FALSE(explain_stream_error("system-shutdown", "d").config_problem);
  EXPECT_NE(explain_stream_error("system-shutdown", "d", "bye").message.find("bye"), std::string::npos);
}

TEST_F(SessionTest, HandshakeSucceeds) {
  session->start();
  EXPECT_EQ(transport.opens, 1);
  EXPECT_EQ(session->state(), ComponentSession::State::connecting);
  session->connected();
  EXPECT_EQ(transport.take(),
            "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
            "xmlns:stream='http://etherx.jabber.org/streams' to='irc.example.org'>");
  session->received(server_open);
  EXPECT_EQ(transport.take(), "<handshake>" + good_digest + "</handshake>");
  EXPECT_EQ(onlines, 0);
  session->received("<handshake/>");
  EXPECT_EQ(onlines, 1);
  EXPECT_TRUE(session->online());
  EXPECT_EQ(ComponentSession::state_name(session->state()), "online");
  EXPECT_FALSE(clock.pending(SessionTimer::attempt));
}

TEST_F(SessionTest, BytesSplitAnywhere) {
  session->start();
  session->connected();
  std::string script = server_open +
                       "<handshake/>\n<message from='a@example.org/r' to='x%libera@irc.example.org' "
                       "type='chat'><body>h&amp;llo</body></message> ";
  for (char c : script) session->received(std::string_view(&c, 1));
  EXPECT_EQ(onlines, 1);
  ASSERT_EQ(stanzas.size(), 1u);
  EXPECT_EQ(stanzas[0].name(), "message");
  EXPECT_EQ(stanzas[0].attr_or("to"), "x%libera@irc.example.org");
  EXPECT_EQ(stanzas[0].child_text("body"), "h&llo");
}

TEST_F(SessionTest, WrongSecretWaitsTheLongMinimum) {
  session->start();
  session->connected();
  session->received(server_open);
  session->received(stream_error("not-authorized", "Given token does not match calculated token") +
                    "</stream:stream>");
  EXPECT_EQ(onlines, 0);
  EXPECT_TRUE(offline_reasons.empty());  // it never was online
  EXPECT_EQ(session->state(), ComponentSession::State::waiting);
  EXPECT_EQ(transport.closes, 1);
  EXPECT_NE(session->last_error().find("refused the component secret for irc.example.org"), std::string::npos);
  EXPECT_NE(session->last_error().find("component_secret"), std::string::npos);
  EXPECT_GE(session->last_reconnect_delay(), 60s);
  clock.advance(59s);
  EXPECT_EQ(transport.opens, 1);
  clock.advance(1s);
  EXPECT_EQ(transport.opens, 2);
}

TEST_F(SessionTest, ConfigErrorDelayIsConfigurable) {
  make([](ComponentOptions& o) { o.config_error_delay = 5min; });
  session->start();
  session->connected();
  session->received(server_open + stream_error("not-authorized"));
  EXPECT_EQ(session->last_reconnect_delay(), 5min);
}

TEST_F(SessionTest, ConflictExplainsKickOld) {
  go_online();
  session->received(stream_error("conflict", "Replaced by a new connection"));
  ASSERT_EQ(offline_reasons.size(), 1u);
  EXPECT_NE(offline_reasons[0].find("another connection is already using irc.example.org"), std::string::npos);
  EXPECT_NE(offline_reasons[0].find("kick_old"), std::string::npos);
  EXPECT_NE(offline_reasons[0].find("Replaced by a new connection"), std::string::npos);
  EXPECT_GE(session->last_reconnect_delay(), 60s);
  EXPECT_EQ(transport.take(), "</stream:stream>");
}

TEST_F(SessionTest, HostUnknownBeforeAnyStreamId) {
  session->start();
  session->connected();
  transport.take();
  // What Prosody sends for a domain it has no Component for: a header without id, then the error.
  session->received(
      "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
      "xmlns='jabber:component:accept' version='1.0' id=''>" +
      stream_error("host-unknown") + "</stream:stream>");
  EXPECT_EQ(transport.take().find("<handshake>"), std::string::npos);
  EXPECT_NE(session->last_error().find("does not know component irc.example.org"), std::string::npos);
  EXPECT_GE(session->last_reconnect_delay(), 60s);
}

TEST_F(SessionTest, ServerClosesTheStream) {
  go_online();
  session->received("</stream:stream>");
  EXPECT_EQ(transport.take(), "</stream:stream>");
  EXPECT_EQ(transport.closes, 1);
  ASSERT_EQ(offline_reasons.size(), 1u);
  EXPECT_NE(offline_reasons[0].find("closed the stream"), std::string::npos);
  EXPECT_EQ(session->state(), ComponentSession::State::waiting);
  EXPECT_LT(session->last_reconnect_delay(), 60s);
  clock.advance(session->last_reconnect_delay());
  EXPECT_EQ(transport.opens, 2);
}

TEST_F(SessionTest, TransportLossReconnects) {
  go_online();
  session->closed("Connection reset by peer");
  EXPECT_EQ(transport.closes, 0);  // the transport reported it: nothing to close
  ASSERT_EQ(offline_reasons.size(), 1u);
  EXPECT_NE(offline_reasons[0].find("Connection reset by peer"), std::string::npos);
  clock.advance(1s);
  EXPECT_EQ(transport.opens, 2);
}

TEST_F(SessionTest, ParseErrorSendsStreamErrorAndCloses) {
  go_online();
  session->received("<message><body>x</bodyy></message>");
  auto out = transport.take();
  EXPECT_NE(out.find("<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"),
            std::string::npos);
  EXPECT_NE(out.find("</stream:stream>"), std::string::npos);
  EXPECT_EQ(transport.closes, 1);
  EXPECT_EQ(offline_reasons.size(), 1u);
}

TEST_F(SessionTest, OversizedStanzaIsPolicyViolation) {
  make([](ComponentOptions& o) { o.limits.max_stanza_bytes = 1000; });
  go_online();
  session->received("<message><body>" + std::string(5000, 'x') + "</body></message>");
  EXPECT_NE(transport.take().find("<policy-violation"), std::string::npos);
  EXPECT_EQ(transport.closes, 1);
}

TEST_F(SessionTest, HandshakeTimeout) {
  session->start();
  session->connected();
  session->received(server_open);
  clock.advance(10s);
  EXPECT_EQ(transport.closes, 1);
  EXPECT_NE(session->last_error().find("no handshake answer"), std::string::npos);
  EXPECT_EQ(session->state(), ComponentSession::State::waiting);
}

TEST_F(SessionTest, ConnectTimeout) {
  session->start();
  clock.advance(10s);
  EXPECT_EQ(transport.closes, 1);
  EXPECT_NE(session->last_error().find("timed out connecting"), std::string::npos);
}

TEST_F(SessionTest, SilenceSendsPingAndNoAnswerReconnects) {
  go_online();
  clock.advance(59s);
  EXPECT_EQ(transport.out, "");
  clock.advance(1s);
  auto ping = transport.take();
  EXPECT_NE(ping.find("<iq type='get' from='irc.example.org' to='example.org' id='"), std::string::npos) << ping;
  EXPECT_NE(ping.find("<ping xmlns='urn:xmpp:ping'/></iq>"), std::string::npos);
  clock.advance(29s);
  EXPECT_TRUE(session->online());
  clock.advance(1s);
  EXPECT_FALSE(session->online());
  ASSERT_EQ(offline_reasons.size(), 1u);
  EXPECT_EQ(offline_reasons[0], "no answer to ping");
  EXPECT_EQ(transport.closes, 1);
  clock.advance(session->last_reconnect_delay());
  EXPECT_EQ(transport.opens, 2);
}

TEST_F(SessionTest, TrafficPostponesThePing) {
  go_online();
  clock.advance(50s);
  session->received(" ");  // Prosody's whitespace keepalive counts as traffic
  clock.advance(59s);
  EXPECT_EQ(transport.out, "");
  clock.advance(1s);
  EXPECT_NE(transport.take().find("urn:xmpp:ping"), std::string::npos);
}

std::string ping_id(const std::string& xml) {
  auto start = xml.find("id='") + 4;
  return xml.substr(start, xml.find('\'', start) - start);
}

TEST_F(SessionTest, PingAnsweredByErrorCounts) {
  make([](ComponentOptions& o) { o.server_domain = "xmpp.example.net"; });
  go_online();
  std::optional<bool> answered;
  session->ping([&](bool ok) { answered = ok; });
  auto id = ping_id(transport.take());
  session->received("<iq type='error' from='xmpp.example.net' to='irc.example.org' id='" + id +
                    "'><error type='cancel'><service-unavailable "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
  EXPECT_EQ(answered, true);
  EXPECT_TRUE(stanzas.empty());  // consumed
  clock.advance(30s);
  EXPECT_TRUE(session->online());
}

TEST_F(SessionTest, PingReplyFromAUserIsNotTrusted) {
  go_online();
  std::optional<bool> answered;
  session->ping([&](bool ok) { answered = ok; });
  auto id = ping_id(transport.take());
  session->received("<iq type='result' from='mallory@example.org/x' to='irc.example.org' id='" + id + "'/>");
  EXPECT_FALSE(answered);
  ASSERT_EQ(stanzas.size(), 1u);  // passed on as an ordinary stanza
  session->received("<iq type='result' from='example.org' to='irc.example.org' id='" + id + "'/>");
  EXPECT_EQ(answered, true);
}

TEST_F(SessionTest, BarrierPingsFailWhenTheStreamEnds) {
  std::optional<bool> early;
  session->ping([&](bool ok) { early = ok; });
  EXPECT_EQ(early, false);  // not online: refused at once
  go_online();
  std::optional<bool> a, b;
  session->ping([&](bool ok) { a = ok; });
  session->ping([&](bool ok) { b = ok; });
  auto out = transport.take();
  session->received("<iq type='result' from='example.org' id='" + ping_id(out) + "'/>");
  EXPECT_EQ(a, true);
  EXPECT_FALSE(b);
  session->closed("eof");
  EXPECT_EQ(b, false);
}

TEST_F(SessionTest, SendRefusedWhileOffline) {
  Element msg("message", "jabber:component:accept");
  msg.set_attr("to", "a@example.org");
  EXPECT_FALSE(session->send(msg));
  session->start();
  session->connected();
  transport.take();
  EXPECT_FALSE(session->send(msg));
  EXPECT_EQ(transport.out, "");
  session->received(server_open + "<handshake/>");
  transport.take();
  EXPECT_TRUE(session->send(msg));
  auto out = transport.take();
  EXPECT_EQ(out.rfind("<message to=", 0), 0u) << out;
  EXPECT_NE(out.find("a@example.org"), std::string::npos);
  EXPECT_EQ(out.find("xmlns"), std::string::npos);  // inherits the stream's namespace
}

TEST_F(SessionTest, BackoffGrowsAndResetsOnlyAfterStableTime) {
  session->start();
  std::vector<long long> delays;
  for (int i = 0; i < 9; ++i) {
    session->closed("Connection refused");
    delays.push_back(session->last_reconnect_delay().count());
    clock.advance(session->last_reconnect_delay());
  }
  EXPECT_EQ(delays, (std::vector<long long>{750, 1500, 3000, 6000, 12000, 24000, 45000, 45000, 45000}));

  // Online briefly (a flapping link): the backoff keeps its place.
  session->connected();
  session->received(server_open + "<handshake/>");
  clock.advance(10s);
  session->closed("reset");
  EXPECT_EQ(session->last_reconnect_delay().count(), 45000);

  // Online past stable_after: back to the base delay.
  clock.advance(session->last_reconnect_delay());
  session->connected();
  session->received(server_open + "<handshake/>");
  clock.advance(30s);
  session->closed("reset");
  EXPECT_EQ(session->last_reconnect_delay().count(), 750);
}

TEST_F(SessionTest, StopClosesGracefully) {
  go_online();
  std::optional<bool> answered;
  session->ping([&](bool ok) { answered = ok; });
  transport.take();
  session->stop();
  EXPECT_EQ(transport.take(), "</stream:stream>");
  EXPECT_EQ(session->state(), ComponentSession::State::closing);
  EXPECT_EQ(answered, false);
  EXPECT_EQ(offline_reasons, std::vector<std::string>{"shutting down"});
  EXPECT_FALSE(session->send(Element("message")));
  session->received("</stream:stream>");
  EXPECT_EQ(session->state(), ComponentSession::State::stopped);
  EXPECT_EQ(stopped, 1);
  EXPECT_EQ(transport.closes, 1);
  clock.advance(10min);
  EXPECT_EQ(transport.opens, 1);  // no reconnect after stop
}

TEST_F(SessionTest, StopIsBoundedWhenTheServerNeverAnswers) {
  go_online();
  session->stop();
  clock.advance(3s);
  EXPECT_EQ(stopped, 1);
  EXPECT_EQ(transport.closes, 1);
}

TEST_F(SessionTest, StopWhileWaitingCancelsTheReconnect) {
  session->start();
  session->closed("refused");
  session->stop();
  EXPECT_EQ(stopped, 1);
  clock.advance(10min);
  EXPECT_EQ(transport.opens, 1);
}

}  // namespace
}  // namespace junction::xmpp
