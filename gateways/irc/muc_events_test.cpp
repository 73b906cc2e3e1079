#include "gateways/irc/irc_test_support.hpp"

#include <gtest/gtest.h>

namespace junction::irc::testing {
namespace {

using Strings = std::vector<std::string>;
const std::string room = "#chan%libera@irc.example.org";

TEST(MucMessages, GroupchatIsSentAndReflectedWithIds) {
  Harness h;
  h.join();
  h.in("<presence from='alice@example.org/laptop' to='#chan%libera@irc.example.org/alice'>"
       "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>");
  h.ctx.take();
  h.link().take_lines();
  h.in("<message type='groupchat' id='m1' from='alice@example.org/phone' to='#chan%libera@irc.example.org'>"
       "<body>hello\nworld</body><origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>");
  EXPECT_EQ(h.link().take_lines(), (Strings{"PRIVMSG #chan hello", "PRIVMSG #chan world"}));
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 2u);
  std::set<std::string> to;
  std::string sid;
  for (const auto& m : out) {
    to.insert(m.attr_or("to"));
    EXPECT_EQ(m.attr_or("id"), "m1");
    EXPECT_EQ(m.attr_or("from"), room + "/alice");
    EXPECT_EQ(m.child_text("body"), "hello\nworld");
    ASSERT_NE(m.child("origin-id", "urn:xmpp:sid:0"), nullptr);
    const auto* stanza_id = m.child("stanza-id", "urn:xmpp:sid:0");
    ASSERT_NE(stanza_id, nullptr);
    EXPECT_EQ(stanza_id->attr_or("by"), room);
    if (sid.empty()) sid = stanza_id->attr_or("id");
    EXPECT_EQ(stanza_id->attr_or("id"), sid);
  }
  EXPECT_EQ(to, (std::set<std::string>{"alice@example.org/phone", "alice@example.org/laptop"}));
}

TEST(MucMessages, NotJoinedResourceIsRefused) {
  Harness h;
  h.join();
  h.in("<message type='groupchat' id='m2' from='alice@example.org/other' to='#chan%libera@irc.example.org'>"
       "<body>hi</body></message>");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attr_or("type"), "error");
  EXPECT_NE(out[0].child("error")->child("not-acceptable"), nullptr);
  EXPECT_EQ(h.link().lines, (Strings{"JOIN #chan", "MODE #chan"}));  // nothing sent for it
}

TEST(MucMessages, IrcTextReachesEveryResource) {
  Harness h;
  h.join();
  h.link().receive("@time=2024-05-01T12:00:00.000Z :op!o@h PRIVMSG #chan :\x01" "ACTION waves\x01");
  h.link().receive(":alice!u@h PRIVMSG #chan :my own echo");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attr_or("from"), room + "/op");
  EXPECT_EQ(out[0].attr_or("to"), "alice@example.org/phone");
  EXPECT_EQ(out[0].attr_or("type"), "groupchat");
  EXPECT_EQ(out[0].child_text("body"), "/me waves");
  EXPECT_NE(out[0].child("stanza-id", "urn:xmpp:sid:0"), nullptr);
}

TEST(MucMessages, MeBecomesAction) {
  Harness h;
  h.join();
  h.link().take_lines();
  h.in("<message type='groupchat' from='alice@example.org/phone' to='#chan%libera@irc.example.org'>"
       "<body>/me dances</body></message>");
  EXPECT_EQ(h.link().take_lines(), Strings{"PRIVMSG #chan :\x01" "ACTION dances\x01"});
}

TEST(MucMessages, TopicBothWays) {
  Harness h;
  h.join();
  h.link().take_lines();
  h.in("<message type='groupchat' from='alice@example.org/phone' to='#chan%libera@irc.example.org'>"
       "<subject>New topic here</subject></message>");
  EXPECT_EQ(h.link().take_lines(), Strings{"TOPIC #chan :New topic here"});
  h.link().receive(":op!o@h TOPIC #chan :Set by op");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attr_or("from"), room + "/op");
  EXPECT_EQ(out[0].child_text("subject"), "Set by op");
}

TEST(MucEvents, NickChangeIs303) {
  Harness h;
  h.join();
  h.link().receive(":plain!p@h NICK :fancy");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].attr_or("type"), "unavailable");
  EXPECT_EQ(out[0].attr_or("from"), room + "/plain");
  EXPECT_EQ(status_codes(out[0]), Strings{"303"});
  EXPECT_EQ(muc_item(out[0])->attr_or("nick"), "fancy");
  EXPECT_EQ(out[1].attr_or("from"), room + "/fancy");
  EXPECT_EQ(out[1].attr_or("type"), "");

  // Our own nick change carries 110 as well, and XMPP can ask for it.
  h.in("<presence from='alice@example.org/phone' to='#chan%libera@irc.example.org/alicia'/>");
  EXPECT_EQ(h.link().take_lines().back(), "NICK alicia");
  h.link().receive(":alice!u@h NICK alicia");
  out = h.ctx.take();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(status_codes(out[0]), (Strings{"303", "110"}));
  EXPECT_EQ(out[1].attr_or("from"), room + "/alicia");
}

TEST(MucEvents, KickIs307) {
  Harness h;
  h.join();
  h.link().receive(":op!o@h KICK #chan plain :behave");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attr_or("type"), "unavailable");
  EXPECT_EQ(status_codes(out[0]), Strings{"307"});
  EXPECT_EQ(muc_item(out[0])->child("actor")->attr_or("nick"), "op");
  EXPECT_EQ(muc_item(out[0])->child_text("reason"), "behave");

  h.link().receive(":op!o@h KICK #chan alice :you too");
  out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(status_codes(out[0]), (Strings{"110", "307"}));
  EXPECT_EQ(h.gateway->bridge().sessions.find("alice@example.org", "libera")->channel("#chan"), nullptr);
}

TEST(MucEvents, JoinPartQuitModeAway) {
  Harness h;
  h.join();
  h.link().receive(":new!n@h JOIN #chan");
  h.link().receive(":plain!p@h PART #chan :bye");
  h.link().receive(":voiced!v@h QUIT :gone");
  h.link().receive(":op!o@h MODE #chan +o-v+b new voiced *!*@spam");
  h.link().receive(":op!o@h AWAY :lunch");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0].attr_or("from"), room + "/new");
  EXPECT_EQ(muc_item(out[0])->attr_or("role"), "participant");
  EXPECT_EQ(out[1].attr_or("type"), "unavailable");
  EXPECT_EQ(out[1].child_text("status"), "bye");
  EXPECT_EQ(out[2].attr_or("from"), room + "/voiced");
  EXPECT_EQ(out[2].child_text("status"), "gone");
  EXPECT_EQ(out[3].attr_or("from"), room + "/new");
  EXPECT_EQ(muc_item(out[3])->attr_or("role"), "moderator");
  EXPECT_EQ(out[4].attr_or("from"), room + "/op");
  EXPECT_EQ(out[4].child_text("show"), "away");
  EXPECT_EQ(out[4].child_text("status"), "lunch");
}

TEST(MucEvents, ModeratedChannelTurnsTheUnvoicedIntoVisitors) {
  Harness h;
  h.join();
  // 324 after the join says +m: everyone without voice or op becomes a visitor, ourselves too.
  h.link().receive(":srv 324 alice #chan +mnt");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 2u);
  std::map<std::string, const xmpp::Element*> by_from;
  for (const auto& p : out) by_from[p.attr_or("from")] = &p;
  ASSERT_TRUE(by_from.count(room + "/alice") && by_from.count(room + "/plain"));
  EXPECT_EQ(muc_item(*by_from[room + "/alice"])->attr_or("role"), "visitor");
  EXPECT_EQ(status_codes(*by_from[room + "/alice"]), Strings{"110"});
  EXPECT_EQ(muc_item(*by_from[room + "/plain"])->attr_or("role"), "visitor");

  // Voice under +m makes a participant, taking it away a visitor again.
  h.link().receive(":op!o@h MODE #chan +v plain");
  out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(muc_item(out[0])->attr_or("role"), "participant");
  EXPECT_EQ(muc_item(out[0])->attr_or("affiliation"), "member");
  h.link().receive(":op!o@h MODE #chan -v plain");
  out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(muc_item(out[0])->attr_or("role"), "visitor");

  // -m (with other modes around it) gives everyone their voice back.
  h.link().receive(":op!o@h MODE #chan -m+k sesame");
  out = h.ctx.take();
  ASSERT_EQ(out.size(), 2u);
  for (const auto& p : out) EXPECT_EQ(muc_item(p)->attr_or("role"), "participant") << p.attr_or("from");
  // Modes that do not touch roles are quiet.
  h.link().receive(":op!o@h MODE #chan +i-k sesame");
  EXPECT_TRUE(h.ctx.take().empty());
  const Channel* c = h.gateway->bridge().sessions.find("alice@example.org", "libera")->channel("#chan");
  EXPECT_EQ(c->modes.flags, "nti");
  EXPECT_EQ(c->modes.key, "");
}

TEST(MucEvents, RefusedLineIsAnErrorFromTheRoom) {
  Harness h;
  h.join();
  h.link().receive(":srv 324 alice #chan +mnt");
  h.ctx.take();
  h.link().receive(":srv 404 alice #chan :Cannot send to channel");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u) << "not also shown on the server JID";
  EXPECT_EQ(out[0].name(), "message");
  EXPECT_EQ(out[0].attr_or("type"), "error");
  EXPECT_EQ(out[0].attr_or("from"), room);
  EXPECT_EQ(out[0].attr_or("to"), "alice@example.org/phone");
  EXPECT_NE(out[0].child("error")->child("forbidden"), nullptr);
  EXPECT_EQ(out[0].child("error")->child_text("text"),
            "#chan: Cannot send to channel (the channel is moderated: voice is needed to speak)");
}

TEST(MucEvents, ChannelModesAreAskedForOnJoin) {
  Harness h;
  auto lines = (h.join(), h.link().take_lines());
  EXPECT_EQ(lines, (Strings{"JOIN #chan", "MODE #chan"}));
  // A 324 for a channel we are not in (typed on the server JID) is shown there.
  h.link().receive(":srv 324 alice #elsewhere +nt");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attr_or("from"), "libera@irc.example.org");
}

}  // namespace
}  // namespace junction::irc::testing
