#include "gateways/irc/irc_test_support.hpp"
#include "xmpp/stanza.hpp"

#include <gtest/gtest.h>

namespace junction::irc::testing {
namespace {

using Strings = std::vector<std::string>;

std::string admin_iq(const std::string& type, const std::string& id, const std::string& items) {
  return "<iq type='" + type + "' id='" + id +
         "' from='alice@example.org/phone' to='#chan%libera@irc.example.org'>"
         "<query xmlns='http://jabber.org/protocol/muc#admin'>" +
         items + "</query></iq>";
}

// nick -> "affiliation/role" of the items in an answer.
std::map<std::string, std::string> listed(const xmpp::Element& reply) {
  std::map<std::string, std::string> out;
  for (const auto* item : reply.child("query", "http://jabber.org/protocol/muc#admin")->children("item"))
    out[item->attr_or("nick", item->attr_or("jid"))] = item->attr_or("affiliation") + "/" + item->attr_or("role");
  return out;
}

using Listed = std::map<std::string, std::string>;

TEST(MucAdminLists, RolesAndAffiliationsFromTheMemberList) {
  Harness h;
  h.join("alice @op @+both +voiced plain");
  h.in(admin_iq("get", "q1", "<item role='moderator'/>"));
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attr_or("type"), "result");
  EXPECT_EQ(listed(out[0]), (Listed{{"both", "admin/moderator"}, {"op", "admin/moderator"}}));
  const auto* item = out[0].child("query")->children("item")[0];
  EXPECT_EQ(item->attr_or("jid"), item->attr_or("nick") + "%libera@irc.example.org");

  h.in(admin_iq("get", "q2", "<item role='participant'/>"));
  EXPECT_EQ(listed(h.ctx.take().at(0)),
            (Listed{{"alice", "none/participant"}, {"voiced", "member/participant"}, {"plain", "none/participant"}}));
  h.in(admin_iq("get", "q3", "<item affiliation='member'/>"));
  EXPECT_EQ(listed(h.ctx.take().at(0)), (Listed{{"voiced", "member/participant"}}));
  h.in(admin_iq("get", "q4", "<item affiliation='admin'/>"));
  EXPECT_EQ(listed(h.ctx.take().at(0)), (Listed{{"both", "admin/moderator"}, {"op", "admin/moderator"}}));
  h.in(admin_iq("get", "q4b", "<item affiliation='owner'/>"));
  EXPECT_TRUE(listed(h.ctx.take().at(0)).empty());

  // Under +m the unvoiced are visitors.
  h.link().receive(":srv 324 alice #chan +mnt");
  h.ctx.take();
  h.in(admin_iq("get", "q5", "<item role='visitor'/>"));
  EXPECT_EQ(listed(h.ctx.take().at(0)), (Listed{{"alice", "none/visitor"}, {"plain", "none/visitor"}}));
  h.in(admin_iq("get", "q6", "<item role='participant'/>"));
  EXPECT_EQ(listed(h.ctx.take().at(0)), (Listed{{"voiced", "member/participant"}}));
  EXPECT_TRUE(h.link().take_lines().size() <= 2u) << "member lists need no IRC round trip";
}

TEST(MucAdminLists, OutcastsAreTheBanList) {
  Harness h;
  h.join();
  h.link().take_lines();
  h.in(admin_iq("get", "b1", "<item affiliation='outcast'/>"));
  EXPECT_EQ(h.link().take_lines(), Strings{"MODE #chan +b"});
  EXPECT_TRUE(h.ctx.take().empty()) << "answered at the end of the ban list";
  h.link().receive(":srv 367 alice #chan *!*@spam.example op!o@h 1700000000");
  h.link().receive(":srv 367 alice #chan troll!*@*");
  h.link().receive(":srv 368 alice #chan :End of Channel Ban List");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u) << "the ban list is not shown on the server JID";
  EXPECT_EQ(out[0].attr_or("type"), "result");
  EXPECT_EQ(listed(out[0]), (Listed{{"*!*@spam.example", "outcast/none"}, {"troll!*@*", "outcast/none"}}));
  EXPECT_EQ(out[0].child("query")->children("item")[0]->child_text("reason"), "set by op");

  // Without a request of ours, a ban list goes to the server JID as before.
  h.link().receive(":srv 367 alice #chan x!*@*");
  out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attr_or("from"), "libera@irc.example.org");
}

TEST(MucAdminLists, BanListRefusedIsForbidden) {
  Harness h;
  h.join();
  h.in(admin_iq("get", "b1", "<item affiliation='outcast'/>"));
  h.link().receive(":srv 482 alice #chan :You're not channel operator");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attr_or("type"), "error");
  EXPECT_NE(out[0].child("error")->child("forbidden"), nullptr);
  EXPECT_EQ(xmpp::error_text(out[0]), "#chan: You're not channel operator");
}

TEST(MucAdmin, NotJoinedIsNotAcceptable) {
  Harness h;
  h.in(admin_iq("get", "n1", "<item role='moderator'/>"));
  h.in(admin_iq("set", "n2", "<item nick='x' role='none'/>"));
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 2u);
  for (const auto& e : out) EXPECT_NE(e.child("error")->child("not-acceptable"), nullptr);
}

TEST(MucAdmin, ChangesAreConfirmedByTheServer) {
  Harness h;
  h.join();
  h.link().take_lines();
  h.in(admin_iq("set", "a1",
                "<item nick='plain' role='none'><reason>out</reason></item>"
                "<item nick='spam' affiliation='outcast'/>"
                "<item jid='*!*@evil.example' affiliation='outcast'/>"
                "<item nick='voiced' role='visitor'/>"
                "<item nick='plain2' role='participant'/>"
                "<item nick='op' role='participant'/>"
                "<item jid='voiced%libera@irc.example.org' role='moderator'/>"));
  EXPECT_EQ(h.link().take_lines(),
            (Strings{"KICK #chan plain out", "MODE #chan +b spam!*@*", "MODE #chan +b *!*@evil.example",
                     "MODE #chan -v voiced", "MODE #chan +v plain2", "MODE #chan -o+v op op", "MODE #chan +o voiced",
                     "PING junction-admin-1"}));
  EXPECT_TRUE(h.ctx.take().empty()) << "no answer before the server had its say";
  h.link().receive(":srv PONG srv :junction-admin-1");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attr_or("type"), "result");
  EXPECT_EQ(out[0].attr_or("id"), "a1");
}

TEST(MucAdmin, UnbanAndTakingStatusAway) {
  Harness h;
  h.join();
  h.link().take_lines();
  h.in(admin_iq("set", "u1",
                "<item jid='*!*@evil.example' affiliation='none'/>"
                "<item nick='troll' affiliation='none'/>"
                "<item nick='op' affiliation='none'/>"));
  EXPECT_EQ(h.link().take_lines(), (Strings{"MODE #chan -b *!*@evil.example", "MODE #chan -b troll!*@*",
                                            "MODE #chan -o op", "PING junction-admin-1"}));
}

TEST(MucAdmin, NotChannelOperatorIsForbiddenWithTheReason) {
  Harness h;
  h.join();
  h.in(admin_iq("set", "k1", "<item nick='op' role='none'/>"));
  h.link().receive(":srv 482 alice #chan :You're not channel operator");
  EXPECT_TRUE(h.ctx.take().empty()) << "the error waits for the PONG";
  h.link().receive(":srv PONG srv :junction-admin-1");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u) << "482 is not also shown on the server JID";
  EXPECT_EQ(out[0].attr_or("type"), "error");
  EXPECT_NE(out[0].child("error")->child("forbidden"), nullptr);
  EXPECT_EQ(xmpp::error_text(out[0]), "#chan: You're not channel operator");

  h.in(admin_iq("set", "k2", "<item nick='ghost' role='participant'/>"));
  h.link().receive(":srv 401 alice ghost :No such nick or channel name");
  h.link().receive(":srv PONG srv :junction-admin-2");
  out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].child("error")->child("item-not-found"), nullptr);
  EXPECT_EQ(xmpp::error_text(out[0]), "ghost: No such nick or channel name");
}

TEST(MucAdmin, NoAnswerIsATimeout) {
  Harness h;
  h.join();
  h.gateway->rooms().admin().set_timeout(std::chrono::milliseconds(30));
  h.in(admin_iq("set", "t1", "<item nick='op' role='none'/>"));
  h.ctx.io().run_for(std::chrono::milliseconds(150));
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].child("error")->child("remote-server-timeout"), nullptr);
  EXPECT_EQ(h.gateway->rooms().admin().pending(), 0u);
}

}  // namespace
}  // namespace junction::irc::testing
