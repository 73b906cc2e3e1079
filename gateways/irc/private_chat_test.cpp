#include "gateways/irc/irc_test_support.hpp"

#include <gtest/gtest.h>

namespace junction::irc::testing {
namespace {

using Strings = std::vector<std::string>;

TEST(PrivateChat, BothWays) {
  Harness h;
  h.in("<message type='chat' from='alice@example.org/phone' to='bob%libera@irc.example.org'><body>hi bob</body></message>");
  ASSERT_EQ(h.net.links.size(), 1u);
  EXPECT_EQ(h.link().identity.nick, "alice") << "the JID's node when nothing else says";
  h.link().welcome();
  EXPECT_EQ(h.link().take_lines(), Strings{"PRIVMSG bob :hi bob"});
  h.link().receive(":Bob!b@h PRIVMSG alice :hello there");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attr_or("from"), "bob%libera@irc.example.org");
  EXPECT_EQ(out[0].attr_or("to"), "alice@example.org");
  EXPECT_EQ(out[0].attr_or("type"), "chat");
  EXPECT_EQ(out[0].child_text("body"), "hello there");
}

TEST(PrivateChat, ThroughAnOccupantJid) {
  Harness h;
  h.join();
  h.link().take_lines();
  h.in("<message type='chat' from='alice@example.org/phone' to='#chan%libera@irc.example.org/op'><body>psst</body></message>");
  EXPECT_EQ(h.link().take_lines(), Strings{"PRIVMSG op psst"});
  h.link().receive(":op!o@h PRIVMSG alice :yes?");
  EXPECT_EQ(h.ctx.take().at(0).attr_or("from"), "op%libera@irc.example.org");
}

TEST(PrivateChat, ServerConsole) {
  Harness h;
  h.in("<message type='chat' from='alice@example.org/phone' to='libera@irc.example.org'><body>WHOIS bob</body></message>");
  h.link().welcome();
  EXPECT_EQ(h.link().take_lines(), Strings{"WHOIS bob"});
  h.in("<message type='chat' id='x' from='alice@example.org/phone' to='libera@irc.example.org'>"
       "<body>PRIVMSG bob :hi&#13;&#10;QUIT</body></message>");
  EXPECT_TRUE(h.link().lines.empty());
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].child("error")->child("not-acceptable"), nullptr);

  h.link().receive(":srv 311 alice bob ~b host * :Bob Realname");
  h.link().receive(":srv NOTICE alice :*** You are connected");
  h.link().receive(":srv 375 alice :- MOTD -");
  h.link().receive(":srv 372 alice :- line one");
  h.link().receive(":srv 372 alice :- line two");
  h.link().receive(":srv 376 alice :End of MOTD");
  h.link().receive(":srv 005 alice CHANTYPES=# :are supported");
  out = h.ctx.take();
  ASSERT_EQ(out.size(), 3u);
  for (const auto& m : out) EXPECT_EQ(m.attr_or("from"), "libera@irc.example.org");
  EXPECT_EQ(out[0].child_text("body"), "bob ~b host * Bob Realname");
  EXPECT_EQ(out[1].child_text("body"), "*** You are connected");
  EXPECT_EQ(out[2].child_text("body"), "- line one\n- line two");
}

TEST(PrivateChat, FailedConnectionBouncesQueuedMessages) {
  Harness h;
  h.in("<message type='chat' id='q1' from='alice@example.org/phone' to='bob%libera@irc.example.org'><body>hi</body></message>");
  h.link().events.on_failed("no route to host");
  auto out = h.ctx.take();
  ASSERT_GE(out.size(), 1u);
  EXPECT_EQ(out[0].attr_or("type"), "error");
  EXPECT_EQ(out[0].attr_or("id"), "q1");
}

TEST(PrivateChat, AwayFollowsPresence) {
  Harness h;
  h.join();
  h.link().take_lines();
  h.in("<presence from='alice@example.org/phone' to='irc.example.org'><show>xa</show><status>gone fishing</status></presence>");
  EXPECT_EQ(h.link().take_lines(), Strings{"AWAY :gone fishing"});
  h.in("<presence from='alice@example.org/phone' to='bob%libera@irc.example.org'><show>xa</show><status>gone fishing</status></presence>");
  EXPECT_TRUE(h.link().lines.empty()) << "the same state is not sent twice";
  h.in("<presence from='alice@example.org/phone' to='irc.example.org'><show>dnd</show></presence>");
  EXPECT_EQ(h.link().take_lines(), Strings{"AWAY Busy"});
  h.in("<presence from='alice@example.org/phone' to='irc.example.org'/>");
  EXPECT_EQ(h.link().take_lines(), Strings{"AWAY"});
}

// The AWAY lines sent since the last call (a resource going offline may also PART rooms).
Strings away_lines(Harness& h) {
  Strings out;
  for (auto& line : h.link().take_lines())
    if (line.starts_with("AWAY")) out.push_back(line);
  return out;
}

TEST(PrivateChat, AwayAcrossResources) {
  Harness h;
  h.join();
  h.link().take_lines();
  h.in("<presence from='alice@example.org/laptop' to='irc.example.org'/>");
  h.in("<presence from='alice@example.org/phone' to='irc.example.org'><show>away</show><status>on the bus</status></presence>");
  EXPECT_EQ(away_lines(h), Strings{}) << "the laptop is still available";
  h.in("<presence from='alice@example.org/laptop' to='irc.example.org'><show>xa</show><status>asleep</status></presence>");
  EXPECT_EQ(away_lines(h), Strings{"AWAY :on the bus"}) << "away is more available than xa";
  h.in("<presence from='alice@example.org/laptop' to='irc.example.org'><show>xa</show><status>asleep</status></presence>");
  EXPECT_EQ(away_lines(h), Strings{}) << "no duplicate AWAY";
  h.gateway->on_user_unavailable(*xmpp::Jid::parse("alice@example.org/phone"));
  EXPECT_EQ(away_lines(h), Strings{"AWAY asleep"}) << "the remaining resource's text";
  h.gateway->on_user_unavailable(*xmpp::Jid::parse("alice@example.org/laptop"));
  EXPECT_EQ(away_lines(h), Strings{}) << "going offline does not mark the user back";
  h.in("<presence from='alice@example.org/phone' to='irc.example.org'/>");
  EXPECT_EQ(away_lines(h), Strings{"AWAY"});
}

TEST(PrivateChat, AvailableResourceGoingOfflineLeavesTheOthersAway) {
  Harness h;
  h.join();
  h.link().take_lines();
  h.in("<presence from='alice@example.org/phone' to='irc.example.org'><show>dnd</show></presence>");
  EXPECT_EQ(away_lines(h), Strings{"AWAY Busy"});
  h.in("<presence from='alice@example.org/laptop' to='irc.example.org'/>");
  EXPECT_EQ(away_lines(h), Strings{"AWAY"});
  h.gateway->on_user_unavailable(*xmpp::Jid::parse("alice@example.org/laptop"));
  EXPECT_EQ(away_lines(h), Strings{"AWAY Busy"});
}

TEST(PrivateChat, InviteBothWays) {
  Harness h;
  h.join();
  h.link().take_lines();
  h.in("<message from='alice@example.org/phone' to='#chan%libera@irc.example.org'>"
       "<x xmlns='http://jabber.org/protocol/muc#user'><invite to='bob%libera@irc.example.org'/></x></message>");
  EXPECT_EQ(h.link().take_lines(), Strings{"INVITE bob #chan"});
  h.link().receive(":bob!b@h INVITE alice #other");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attr_or("from"), "#other%libera@irc.example.org");
}

}  // namespace
}  // namespace junction::irc::testing
