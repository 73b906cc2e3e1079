// Reconnection after a dropped IRC link: the policy (backoff, jitter, what stops it) and what
// the XMPP user sees (332 at the drop, errors while down, the room back after the rejoin).
#include "gateways/irc/irc_test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace junction::irc::testing {
namespace {

using Strings = std::vector<std::string>;
using std::chrono::milliseconds;

// libera with fast, jitter-bounded reconnection: each wait is between 50 and 100 ms at first.
std::string fast_reconnect(const std::string& extra = "") {
  std::string config = default_config;
  const std::string anchor = "tls = true\n";
  config.replace(config.find(anchor), anchor.size(),
                 anchor + "reconnect_min_ms = 100\nreconnect_max_ms = 1000\n" + extra);
  return config;
}

// Runs the loop until `done` holds or `limit` passes; returns the time it took. Timers never
// fire early, so lower bounds on the result are exact; upper bounds depend on the machine.
template <class Pred>
milliseconds run_until(Harness& h, Pred done, milliseconds limit = milliseconds(3000)) {
  auto start = std::chrono::steady_clock::now();
  while (!done() && std::chrono::steady_clock::now() - start < limit) {
    // A loop that ran out of work stops; the next timer needs it running again.
    if (h.ctx.io().stopped()) h.ctx.io().restart();
    h.ctx.io().run_for(milliseconds(2));
  }
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
}

// What the link sent, without the channel mode queries that follow our own JOINs.
Strings sent(FakeLink& link) {
  Strings out;
  for (auto& line : link.take_lines())
    if (!line.starts_with("MODE ")) out.push_back(line);
  return out;
}

const xmpp::Element* error_of(const xmpp::Element& e) { return e.child("error"); }

std::vector<xmpp::Element> of_name(const std::vector<xmpp::Element>& all, const std::string& name) {
  std::vector<xmpp::Element> out;
  for (const auto& e : all)
    if (e.name() == name) out.push_back(e);
  return out;
}

TEST(ReconnectPolicy, DelayDoublesUpToTheCapWithJitter) {
  NetworkConfig n;
  n.reconnect_min = milliseconds(1000);
  n.reconnect_max = milliseconds(10000);
  EXPECT_EQ(reconnect_delay(n, 0, 0.0), milliseconds(500));
  EXPECT_EQ(reconnect_delay(n, 0, 0.999999), milliseconds(999));
  EXPECT_EQ(reconnect_delay(n, 1, 0.0), milliseconds(1000));
  EXPECT_EQ(reconnect_delay(n, 3, 0.5), milliseconds(6000));
  EXPECT_EQ(reconnect_delay(n, 4, 0.0), milliseconds(5000)) << "capped at the maximum";
  EXPECT_EQ(reconnect_delay(n, 1000, 0.0), milliseconds(5000)) << "no overflow after many attempts";
  for (double r : {0.0, 0.25, 0.5, 0.75, 0.99}) {
    auto d = reconnect_delay(n, 2, r);
    EXPECT_GE(d, milliseconds(2000));
    EXPECT_LE(d, milliseconds(4000));
  }
}

TEST(ReconnectPolicy, BansAndRefusedPasswordsArePermanent) {
  EXPECT_TRUE(is_permanent_loss("server error: Closing Link: 1.2.3.4 (K-Lined: spam)"));
  EXPECT_TRUE(is_permanent_loss("server error: You are banned from this server"));
  EXPECT_TRUE(is_permanent_loss("server error: G-lined"));
  EXPECT_TRUE(is_permanent_loss("server password refused"));
  EXPECT_FALSE(is_permanent_loss("connection reset by peer"));
  EXPECT_FALSE(is_permanent_loss("ping timeout"));
  EXPECT_FALSE(is_permanent_loss("server error: Closing Link: Server going down"));
}

TEST(Reconnect, DropShowsTheRoomDisconnectedThenBringsItBack) {
  Harness h(fast_reconnect());
  h.join();
  FakeLink* link = &h.link();
  link->take_lines();

  link->drop("connection reset by peer");
  auto out = h.ctx.take();
  auto presences = of_name(out, "presence");
  ASSERT_EQ(presences.size(), 1u);
  EXPECT_EQ(presences[0].attr_or("type"), "unavailable");
  EXPECT_EQ(presences[0].attr_or("to"), "alice@example.org/phone");
  EXPECT_EQ(status_codes(presences[0]), (Strings{"110", "332"}));
  auto notices = of_name(out, "message");
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].attr_or("from"), "libera@irc.example.org");
  EXPECT_NE(notices[0].child_text("body").find("reconnecting"), std::string::npos) << notices[0].child_text("body");
  ASSERT_EQ(h.gateway->bridge().sessions.size(), 1u) << "the session waits for the next attempt";

  // While down, room messages and private messages are refused with a reason, not dropped.
  h.in(
      "<message from='alice@example.org/phone' to='#chan%libera@irc.example.org' type='groupchat' id='m1'>"
      "<body>anyone?</body></message>");
  h.in(
      "<message from='alice@example.org/phone' to='bob%libera@irc.example.org' type='chat' id='m2'>"
      "<body>psst</body></message>");
  out = h.ctx.take();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].attr_or("id"), "m1");
  EXPECT_EQ(out[0].attr_or("type"), "error");
  ASSERT_NE(error_of(out[0]), nullptr);
  EXPECT_NE(error_of(out[0])->child("recipient-unavailable"), nullptr);
  EXPECT_NE(error_of(out[0])->child_text("text").find("connection reset by peer"), std::string::npos);
  EXPECT_EQ(out[1].attr_or("id"), "m2");
  EXPECT_EQ(out[1].attr_or("type"), "error");
  EXPECT_TRUE(link->lines.empty());

  // The backoff fires: the same link connects again.
  EXPECT_EQ(link->connects, 1);
  auto waited = run_until(h, [&] { return link->connects == 2; });
  EXPECT_EQ(link->connects, 2);
  EXPECT_GE(waited, milliseconds(50));
  EXPECT_EQ(h.net.links.size(), 1u);

  link->welcome();
  EXPECT_EQ(sent(*link), Strings{"JOIN #chan"});
  link->receive(":alice!u@h JOIN #chan");
  link->receive(":srv 332 alice #chan :Back again");
  link->receive(":srv 353 alice = #chan :alice @op");
  link->receive(":srv 366 alice #chan :End of /NAMES list.");
  out = h.ctx.take();
  // "Reconnected" from the server, then the room in MUC order: occupant, self, subject.
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].name(), "message");
  EXPECT_NE(out[0].child_text("body").find("Reconnected"), std::string::npos);
  EXPECT_EQ(out[1].attr_or("from"), "#chan%libera@irc.example.org/op");
  EXPECT_EQ(out[2].attr_or("from"), "#chan%libera@irc.example.org/alice");
  EXPECT_EQ(out[2].attr_or("to"), "alice@example.org/phone");
  EXPECT_EQ(status_codes(out[2]), (Strings{"100", "110"}));
  EXPECT_EQ(out[3].child_text("subject"), "Back again");

  // And messages flow again.
  h.in(
      "<message from='alice@example.org/phone' to='#chan%libera@irc.example.org' type='groupchat'>"
      "<body>back</body></message>");
  EXPECT_EQ(sent(*link), Strings{"PRIVMSG #chan back"});
}

TEST(Reconnect, BackoffGrowsBetweenFailedAttempts) {
  Harness h(fast_reconnect());
  h.join();
  FakeLink* link = &h.link();
  link->drop("connection reset by peer");
  auto first = run_until(h, [&] { return link->connects == 2; });
  ASSERT_EQ(link->connects, 2);
  EXPECT_GE(first, milliseconds(50));  // 50..100 ms
  link->refuse("connection refused");
  auto second = run_until(h, [&] { return link->connects == 3; });
  ASSERT_EQ(link->connects, 3);
  EXPECT_GE(second, milliseconds(100));  // 100..200 ms
  link->refuse("connection refused");
  auto third = run_until(h, [&] { return link->connects == 4; });
  ASSERT_EQ(link->connects, 4);
  EXPECT_GE(third, milliseconds(200));  // 200..400 ms
  // One notice at the start of the outage, none per failed attempt.
  auto notices = of_name(h.ctx.take(), "message");
  EXPECT_EQ(notices.size(), 1u);
}

TEST(Reconnect, GivesUpAfterTheConfiguredAttempts) {
  Harness h(fast_reconnect("reconnect_attempts = 2\n"));
  h.join();
  FakeLink* link = &h.link();
  link->drop("connection reset by peer");
  h.ctx.take();
  run_until(h, [&] { return link->connects == 2; });
  link->refuse("connection refused");
  run_until(h, [&] { return link->connects == 3; });
  ASSERT_EQ(link->connects, 3);
  link->refuse("connection refused");
  auto out = h.ctx.take();
  EXPECT_EQ(h.gateway->bridge().sessions.size(), 0u);
  // The waiting rejoin is answered with an error, and the user told why.
  auto presences = of_name(out, "presence");
  ASSERT_EQ(presences.size(), 1u);
  EXPECT_EQ(presences[0].attr_or("type"), "error");
  EXPECT_NE(error_of(presences[0])->child("remote-server-not-found"), nullptr);
  auto notices = of_name(out, "message");
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].child_text("body").find("Gave up reconnecting after 2 attempts"), std::string::npos)
      << notices[0].child_text("body");
}

TEST(Reconnect, BanIsNotRetried) {
  Harness h(fast_reconnect());
  h.join();
  h.link().drop("server error: Closing Link: alice (K-Lined: go away)");
  auto out = h.ctx.take();
  auto presences = of_name(out, "presence");
  ASSERT_EQ(presences.size(), 1u);
  EXPECT_EQ(status_codes(presences[0]), (Strings{"110", "332"}));
  EXPECT_EQ(h.gateway->bridge().sessions.size(), 0u);
  run_until(
      h, [] { return false; }, milliseconds(250));
  EXPECT_EQ(h.net.links.size(), 1u) << "no new connection";
}

TEST(Reconnect, TheUsersOwnQuitIsNotRetried) {
  Harness h(fast_reconnect());
  h.join();
  h.link().take_lines();
  h.in("<message from='alice@example.org/phone' to='libera@irc.example.org' type='chat'>"
       "<body>quit :off to bed</body></message>");
  EXPECT_EQ(h.link().take_lines(), Strings{"QUIT :off to bed"});
  h.link().drop("server error: Closing connection");
  EXPECT_EQ(h.gateway->bridge().sessions.size(), 0u);
}

TEST(Reconnect, NoReconnectWhenDisabled) {
  Harness h(fast_reconnect("reconnect = false\n"));
  h.join();
  h.link().drop("connection reset by peer");
  EXPECT_EQ(h.gateway->bridge().sessions.size(), 0u);
}

TEST(Reconnect, ANetworkThatNeverAnsweredIsNotRetried) {
  Harness h(fast_reconnect());
  h.in(
      "<presence from='alice@example.org/phone' to='#chan%libera@irc.example.org/alice' id='j1'>"
      "<x xmlns='http://jabber.org/protocol/muc'/></presence>");
  FakeLink* link = &h.link();
  link->refuse("connection refused");
  auto presences = of_name(h.ctx.take(), "presence");
  ASSERT_EQ(presences.size(), 1u);
  EXPECT_EQ(presences[0].attr_or("type"), "error");
  EXPECT_EQ(presences[0].attr_or("id"), "j1");
  EXPECT_EQ(h.gateway->bridge().sessions.size(), 0u);
  run_until(
      h, [] { return false; }, milliseconds(250));
  EXPECT_EQ(h.net.links.size(), 1u);
}

TEST(Reconnect, LeavingWhileDownStopsReconnecting) {
  Harness h(fast_reconnect());
  h.join();
  FakeLink* link = &h.link();
  link->drop("connection reset by peer");
  h.gateway->on_user_unavailable(*xmpp::Jid::parse("alice@example.org/phone"));
  EXPECT_EQ(h.gateway->bridge().sessions.size(), 0u) << "nothing left to come back for";
  run_until(
      h, [] { return false; }, milliseconds(250));
  EXPECT_EQ(h.net.links.size(), 1u);
}

TEST(Reconnect, AJoinWhileDownIsAnsweredAfterTheRejoin) {
  Harness h(fast_reconnect());
  h.join();
  FakeLink* link = &h.link();
  link->take_lines();
  link->drop("connection reset by peer");
  h.ctx.take();
  // The client saw 332 and rejoins by itself; a second resource joins another room.
  h.in(
      "<presence from='alice@example.org/phone' to='#chan%libera@irc.example.org/alice' id='again'>"
      "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>");
  h.in(
      "<presence from='alice@example.org/laptop' to='#other%libera@irc.example.org/alice' id='o1'>"
      "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>");
  EXPECT_TRUE(h.ctx.take().empty()) << "joins wait for the connection";
  run_until(h, [&] { return link->connects == 2; });
  link->welcome();
  auto lines = sent(*link);
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (Strings{"JOIN #chan", "JOIN #other"})) << "each channel once";
  link->receive(":alice!u@h JOIN #chan");
  link->receive(":srv 366 alice #chan :End");
  auto out = of_name(h.ctx.take(), "presence");
  ASSERT_EQ(out.size(), 1u) << "one self-presence for the phone, however often it asked";
  EXPECT_EQ(out[0].attr_or("to"), "alice@example.org/phone");
  EXPECT_EQ(status_codes(out[0]), (Strings{"100", "110"}));
  link->receive(":alice!u@h JOIN #other");
  link->receive(":srv 366 alice #other :End");
  out = of_name(h.ctx.take(), "presence");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attr_or("to"), "alice@example.org/laptop");
}

TEST(Reconnect, PersistentRoomsRejoinWithNobodyOnline) {
  Harness h(fast_reconnect());
  UserSettings settings;
  settings.persistent_rooms = {"#keep"};
  ASSERT_TRUE(h.gateway->bridge().settings.save_scope("alice@example.org", "libera", settings));
  // persistent_rooms_changed runs at start-up; restart the gateway to pick the setting up.
  h.gateway->start();
  ASSERT_EQ(h.net.links.size(), 1u);
  FakeLink* link = &h.link();
  link->welcome();
  EXPECT_EQ(sent(*link), Strings{"JOIN #keep"});
  link->receive(":alice!u@h JOIN #keep");
  link->take_lines();
  link->drop("ping timeout");
  run_until(h, [&] { return link->connects == 2; });
  EXPECT_EQ(link->connects, 2);
  link->welcome();
  EXPECT_EQ(sent(*link), Strings{"JOIN #keep"});
}

}  // namespace
}  // namespace junction::irc::testing
