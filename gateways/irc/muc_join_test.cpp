#include "gateways/irc/irc_test_support.hpp"

#include <gtest/gtest.h>

namespace junction::irc::testing {
namespace {

using Strings = std::vector<std::string>;

TEST(MucJoin, OccupantsThenSelfThenSubject) {
  Harness h;
  h.in("<presence from='alice@example.org/phone' to='#chan%libera@irc.example.org/alice' id='j1'>"
       "<x xmlns='http://jabber.org/protocol/muc'/></presence>");
  ASSERT_EQ(h.net.links.size(), 1u);
  EXPECT_EQ(h.link().identity.nick, "alice");
  EXPECT_EQ(h.link().network.host, "irc.libera.chat");
  EXPECT_TRUE(h.link().lines.empty()) << "JOIN waits for registration";
  h.link().welcome();
  EXPECT_EQ(h.link().take_lines(), Strings{"JOIN #chan"});
  h.link().receive(":alice!u@h JOIN #chan");
  h.link().receive(":srv 332 alice #chan :The topic");
  h.link().receive(":srv 333 alice #chan op!o@h 1700000000");
  h.link().receive(":srv 353 alice = #chan :alice @op +voiced plain");
  EXPECT_TRUE(h.ctx.sent.empty()) << "nothing before the end of NAMES";
  h.link().receive(":srv 366 alice #chan :End of /NAMES list.");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 5u);
  // Other occupants first, in any order, with roles and affiliations from their prefixes.
  std::map<std::string, std::pair<std::string, std::string>> seen;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(out[i].name(), "presence");
    EXPECT_EQ(out[i].attr_or("to"), "alice@example.org/phone");
    const auto* item = muc_item(out[i]);
    ASSERT_NE(item, nullptr);
    seen[out[i].attr_or("from")] = {item->attr_or("affiliation"), item->attr_or("role")};
  }
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(seen["#chan%libera@irc.example.org/op"], (P{"admin", "moderator"}));
  EXPECT_EQ(seen["#chan%libera@irc.example.org/voiced"], (P{"member", "participant"}));
  EXPECT_EQ(seen["#chan%libera@irc.example.org/plain"], (P{"none", "participant"}));
  EXPECT_EQ(muc_item(out[0])->attr_or("jid").find("%libera@irc.example.org") != std::string::npos, true);
  // Then the self-presence.
  EXPECT_EQ(out[3].attr_or("from"), "#chan%libera@irc.example.org/alice");
  EXPECT_EQ(status_codes(out[3]), (Strings{"100", "110"}));
  // Then the subject, from whoever set it.
  EXPECT_EQ(out[4].name(), "message");
  EXPECT_EQ(out[4].attr_or("type"), "groupchat");
  EXPECT_EQ(out[4].child_text("subject"), "The topic");
  EXPECT_EQ(out[4].attr_or("from"), "#chan%libera@irc.example.org/op");
}

TEST(MucJoin, RenamedNickGets210AndKeyIsSent) {
  Harness h;
  h.in("<presence from='alice@example.org/phone' to='#secret%libera@irc.example.org/alice'>"
       "<x xmlns='http://jabber.org/protocol/muc'><password>hunter2</password></x></presence>");
  h.link().welcome("alice_");
  EXPECT_EQ(h.link().take_lines(), Strings{"JOIN #secret hunter2"});
  h.link().receive(":alice_!u@h JOIN #secret");
  h.link().receive(":srv 353 alice_ = #secret :alice_");
  h.link().receive(":srv 366 alice_ #secret :End");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].attr_or("from"), "#secret%libera@irc.example.org/alice_");
  EXPECT_EQ(status_codes(out[0]), (Strings{"100", "110", "210"}));
  EXPECT_EQ(out[1].child_text("subject"), "");
  EXPECT_NE(out[1].child("subject"), nullptr);
}

TEST(MucJoin, IrcErrorsBecomeMucErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"471", "service-unavailable"}, {"473", "registration-required"}, {"474", "forbidden"},
      {"475", "not-authorized"},      {"403", "item-not-found"},        {"405", "policy-violation"},
  };
  for (auto [numeric, condition] : cases) {
    Harness h;
    h.in("<presence from='alice@example.org/phone' to='#chan%libera@irc.example.org/alice' id='j9'>"
         "<x xmlns='http://jabber.org/protocol/muc'/></presence>");
    h.link().welcome();
    h.link().receive(std::string(":srv ") + numeric + " alice #chan :Cannot join channel");
    auto out = h.ctx.take();
    ASSERT_EQ(out.size(), 1u) << numeric;
    EXPECT_EQ(out[0].attr_or("type"), "error");
    EXPECT_EQ(out[0].attr_or("id"), "j9");
    EXPECT_EQ(out[0].attr_or("from"), "#chan%libera@irc.example.org/alice");
    const auto* error = out[0].child("error");
    ASSERT_NE(error, nullptr);
    EXPECT_NE(error->child(condition), nullptr) << numeric << " -> " << condition;
    EXPECT_EQ(error->child_text("text"), "Cannot join channel");
    EXPECT_EQ(h.link().lines.size(), 1u);  // the JOIN, nothing more
  }
}

TEST(MucJoin, RefusedConnectionGivesErrorPresence) {
  Harness h;
  h.in("<presence from='alice@example.org/phone' to='#chan%libera@irc.example.org/alice' id='j2'>"
       "<x xmlns='http://jabber.org/protocol/muc'/></presence>");
  h.link().events.on_failed("connection refused");
  auto out = h.ctx.take();
  ASSERT_GE(out.size(), 1u);
  EXPECT_EQ(out[0].name(), "presence");
  EXPECT_EQ(out[0].attr_or("type"), "error");
  EXPECT_NE(out[0].child("error")->child("remote-server-not-found"), nullptr);
  EXPECT_NE(out[0].child("error")->child_text("text").find("connection refused"), std::string::npos);
  EXPECT_EQ(h.gateway->bridge().sessions.size(), 0u);
}

TEST(MucJoin, UnknownNetworkIsItemNotFound) {
  Harness h;
  h.in("<presence from='alice@example.org/phone' to='#chan%nowhere@irc.example.org/alice'/>");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].child("error")->child("item-not-found"), nullptr);
  EXPECT_TRUE(h.net.links.empty());
}

TEST(MucJoin, SecondResourceJoinsAloneAndLastLeaveParts) {
  Harness h;
  h.join();
  h.link().take_lines();
  h.in("<presence from='alice@example.org/laptop' to='#chan%libera@irc.example.org/alice'>"
       "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 5u);
  for (const auto& e : out) EXPECT_EQ(e.attr_or("to"), "alice@example.org/laptop");
  EXPECT_EQ(status_codes(out[3]), (Strings{"100", "110"}));
  EXPECT_TRUE(h.link().lines.empty()) << "no second JOIN on IRC";
  EXPECT_EQ(h.net.links.size(), 1u) << "one connection per user and network";

  h.in("<presence type='unavailable' from='alice@example.org/phone' to='#chan%libera@irc.example.org/alice'/>");
  out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attr_or("type"), "unavailable");
  EXPECT_EQ(out[0].attr_or("to"), "alice@example.org/phone");
  EXPECT_EQ(status_codes(out[0]), Strings{"110"});
  EXPECT_TRUE(h.link().lines.empty()) << "laptop is still in the room";

  h.in("<presence type='unavailable' from='alice@example.org/laptop' to='#chan%libera@irc.example.org/alice'/>");
  EXPECT_EQ(h.link().take_lines(), Strings{"PART #chan"});
}

TEST(MucJoin, GraceZeroQuitsOnLastPart) {
  std::string config = default_config;
  config.replace(config.find("grace_seconds = 30"), 18, "grace_seconds = 0");
  Harness h(config);
  h.join();
  h.link().take_lines();
  auto* link = &h.link();
  h.in("<presence type='unavailable' from='alice@example.org/phone' to='#chan%libera@irc.example.org/alice'/>");
  EXPECT_EQ(link->take_lines(), (Strings{"PART #chan", "QUIT :Leaving"}));
  EXPECT_EQ(h.gateway->bridge().sessions.size(), 0u);
}

TEST(MucJoin, GraceTimerQuitsAfterTheDelay) {
  std::string config = default_config;
  config.replace(config.find("grace_seconds = 30"), 18, "grace_seconds = 1");
  Harness h(config);
  h.join();
  auto* link = &h.link();
  link->take_lines();
  h.gateway->on_user_unavailable(*xmpp::Jid::parse("alice@example.org/phone"));
  EXPECT_EQ(link->take_lines(), Strings{"PART #chan"});
  EXPECT_EQ(h.gateway->bridge().sessions.size(), 1u) << "the grace period runs first";
  h.ctx.io().run_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(h.net.quits, std::vector<std::string>{"Leaving"});
  EXPECT_EQ(h.gateway->bridge().sessions.size(), 0u);
}

TEST(MucJoin, RejoinDuringGraceKeepsTheConnection) {
  Harness h;
  h.join();
  h.in("<presence type='unavailable' from='alice@example.org/phone' to='#chan%libera@irc.example.org/alice'/>");
  ASSERT_TRUE(h.gateway->bridge().sessions.find("alice@example.org", "libera")->grace_armed());
  h.in("<presence from='alice@example.org/phone' to='#other%libera@irc.example.org/alice'/>");
  EXPECT_FALSE(h.gateway->bridge().sessions.find("alice@example.org", "libera")->grace_armed());
  EXPECT_EQ(h.net.links.size(), 1u);
}

TEST(MucJoin, LostConnectionRemovesResourcesWith332) {
  Harness h;
  h.join();
  h.link().events.on_disconnected("ping timeout");
  auto out = h.ctx.take();
  ASSERT_GE(out.size(), 1u);
  EXPECT_EQ(out[0].attr_or("type"), "unavailable");
  EXPECT_EQ(status_codes(out[0]), (Strings{"110", "332"}));
}

}  // namespace
}  // namespace junction::irc::testing

namespace junction::irc::testing {
namespace {

TEST(MucJoin, LeavingBeforeRegistrationSendsNoJoin) {
  Harness h;
  h.in("<presence from='alice@example.org/phone' to='#chan%libera@irc.example.org/alice'/>");
  h.in("<presence type='unavailable' from='alice@example.org/phone' to='#chan%libera@irc.example.org/alice'/>");
  h.link().welcome();
  EXPECT_TRUE(h.link().lines.empty());
}

TEST(MucJoin, OfflineUserWithGraceZeroQuitsOnce) {
  std::string config = default_config;
  config.replace(config.find("grace_seconds = 30"), 18, "grace_seconds = 0");
  Harness h(config);
  h.join();
  auto* link = &h.link();
  link->take_lines();
  h.gateway->on_user_unavailable(*xmpp::Jid::parse("alice@example.org/phone"));
  EXPECT_EQ(link->take_lines(), (std::vector<std::string>{"PART #chan", "QUIT :Leaving"}));
}

TEST(MucJoin, Rfc7613CasemappingFindsTheChannelWhateverItsCase) {
  Harness h;
  h.in("<presence from='alice@example.org/phone' to='#\xc3\xa9t\xc3\xa9%libera@irc.example.org/alice'>"
       "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>");
  h.link().welcome();
  h.link().receive(":srv 005 alice CASEMAPPING=rfc7613 :are supported by this server");
  // The server spells the channel in capitals; under rfc7613 it is the same channel.
  h.link().receive(":alice!u@h JOIN #\xc3\x89T\xc3\x89");
  h.link().receive(":srv 353 alice = #\xc3\x89T\xc3\x89 :alice @\xc3\x89lodie");
  h.link().receive(":srv 366 alice #\xc3\x89T\xc3\x89 :End");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1].attr_or("from"), "#\xc3\xa9t\xc3\xa9%libera@irc.example.org/alice");
  EXPECT_EQ(status_codes(out[1]), (Strings{"100", "110"}));
  // A message to the capitalised name reaches the room too.
  h.link().receive(":\xc3\x89lodie!u@h PRIVMSG #\xc3\x89T\xc3\x89 :bonjour");
  out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].child_text("body"), "bonjour");
}

TEST(MucJoin, AsciiCasemappingKeepsUnicodeNamesApart) {
  Harness h;
  h.in("<presence from='alice@example.org/phone' to='#\xc3\xa9t\xc3\xa9%libera@irc.example.org/alice'>"
       "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>");
  h.link().welcome();
  h.link().receive(":srv 005 alice CASEMAPPING=ascii :are supported by this server");
  h.link().receive(":alice!u@h JOIN #\xc3\x89T\xc3\x89");
  h.link().receive(":srv 366 alice #\xc3\x89T\xc3\x89 :End");
  EXPECT_TRUE(h.ctx.take().empty()) << "#ÉTÉ is another channel than #été under ascii";
}

}  // namespace
}  // namespace junction::irc::testing
