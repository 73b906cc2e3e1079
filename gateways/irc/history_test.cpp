#include "gateways/irc/history_store.hpp"
#include "gateways/irc/irc_test_support.hpp"

#include <gtest/gtest.h>

namespace junction::irc::testing {
namespace {

using Strings = std::vector<std::string>;
const std::string room = "#chan%libera@irc.example.org";

void say(Harness& h, int count) {
  for (int i = 0; i < count; ++i) h.link().receive(":op!o@h PRIVMSG #chan :line " + std::to_string(i));
}

TEST(History, WritesAreBatchedBehindOneJob) {
  Harness h;
  h.join();
  h.ctx.hold_offload = true;
  say(h, 5);
  EXPECT_EQ(h.ctx.held.size(), 1u) << "one write job for the burst";
  h.ctx.run_held();
  h.ctx.hold_offload = false;
  ArchiveQuery q;
  q.owner = "alice@example.org";
  q.room = room;
  auto page = HistoryStore::run_query(h.ctx.sqlite(), q);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->messages.size(), 5u);
}

std::vector<xmpp::Element> mam(Harness& h, const std::string& set) {
  h.ctx.take();
  h.in("<iq type='set' id='q' from='alice@example.org/phone' to='" + room +
       "'><query xmlns='urn:xmpp:mam:2' queryid='f1'>" + set + "</query></iq>");
  return h.ctx.take();
}

std::vector<std::string> bodies(const std::vector<xmpp::Element>& out) {
  std::vector<std::string> b;
  for (const auto& m : out)
    if (const auto* r = m.child("result", "urn:xmpp:mam:2"))
      b.push_back(r->child("forwarded", "urn:xmpp:forward:0")->child("message")->child_text("body"));
  return b;
}

TEST(History, MamPagesForwardAndBackward) {
  Harness h;
  h.join();
  say(h, 7);
  auto out = mam(h, "<set xmlns='http://jabber.org/protocol/rsm'><max>3</max></set>");
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(bodies(out), (Strings{"line 0", "line 1", "line 2"}));
  const auto& first = out[0];
  EXPECT_EQ(first.attr_or("from"), room);
  EXPECT_EQ(first.child("result", "urn:xmpp:mam:2")->attr_or("queryid"), "f1");
  const auto* forwarded = first.child("result", "urn:xmpp:mam:2")->child("forwarded", "urn:xmpp:forward:0");
  EXPECT_NE(forwarded->child("delay", "urn:xmpp:delay"), nullptr);
  EXPECT_EQ(forwarded->child("message")->attr_or("from"), room + "/op");
  const auto& fin_iq = out.back();
  EXPECT_EQ(fin_iq.attr_or("type"), "result");
  const auto* fin = fin_iq.child("fin", "urn:xmpp:mam:2");
  ASSERT_NE(fin, nullptr);
  EXPECT_EQ(fin->attr_or("complete"), "");
  const auto* set = fin->child("set", "http://jabber.org/protocol/rsm");
  EXPECT_EQ(set->child_text("count"), "7");
  std::string last = set->child_text("last");

  out = mam(h, "<set xmlns='http://jabber.org/protocol/rsm'><max>10</max><after>" + last + "</after></set>");
  EXPECT_EQ(bodies(out), (Strings{"line 3", "line 4", "line 5", "line 6"}));
  EXPECT_EQ(out.back().child("fin", "urn:xmpp:mam:2")->attr_or("complete"), "true");

  out = mam(h, "<set xmlns='http://jabber.org/protocol/rsm'><max>2</max><before/></set>");
  EXPECT_EQ(bodies(out), (Strings{"line 5", "line 6"}));
  std::string first_id = out.back().child("fin", "urn:xmpp:mam:2")->child("set", "http://jabber.org/protocol/rsm")->child_text("first");
  out = mam(h, "<set xmlns='http://jabber.org/protocol/rsm'><max>2</max><before>" + first_id + "</before></set>");
  EXPECT_EQ(bodies(out), (Strings{"line 3", "line 4"}));

  out = mam(h, "<set xmlns='http://jabber.org/protocol/rsm'><after>nope</after></set>");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].child("error")->child("item-not-found"), nullptr);
}

TEST(History, MamFiltersByOccupantAndIncludesOwnMessages) {
  Harness h;
  h.join();
  say(h, 2);
  h.in("<message type='groupchat' from='alice@example.org/phone' to='" + room + "'><body>mine</body></message>");
  auto out = mam(h,
                 "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:xmpp:mam:2</value></field>"
                 "<field var='with'><value>" + room + "/alice</value></field></x>");
  EXPECT_EQ(bodies(out), Strings{"mine"});
}

TEST(History, StanzaIdMatchesArchiveId) {
  Harness h;
  h.join();
  say(h, 1);
  auto live = h.ctx.take();
  ASSERT_EQ(live.size(), 1u);
  auto id = live[0].child("stanza-id", "urn:xmpp:sid:0")->attr_or("id");
  auto out = mam(h, "");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].child("result", "urn:xmpp:mam:2")->attr_or("id"), id);
}

TEST(History, ReplayedOnJoinWithDelayBeforeSubject) {
  Harness h;
  h.join();
  say(h, 3);
  h.ctx.take();
  h.in("<presence from='alice@example.org/laptop' to='" + room + "/alice'>"
       "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='2'/></x></presence>");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 7u);  // 3 occupants, self, 2 history, subject
  EXPECT_EQ(status_codes(out[3]), (Strings{"100", "110"}));
  EXPECT_EQ(out[4].child_text("body"), "line 1");
  EXPECT_NE(out[4].child("delay", "urn:xmpp:delay"), nullptr);
  EXPECT_EQ(out[5].child_text("body"), "line 2");
  EXPECT_NE(out[6].child("subject"), nullptr);
}

TEST(History, LiveLinesDuringTheHistoryReadComeAfterHistoryAndSubject) {
  Harness h;
  h.join();
  say(h, 3);
  h.ctx.take();
  h.ctx.hold_offload = true;  // the worker reads the history later
  h.in("<presence from='alice@example.org/laptop' to='" + room + "/alice'>"
       "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='5'/></x></presence>");
  h.link().receive(":op!o@h PRIVMSG #chan :live while reading");
  h.link().receive(":op!o@h TOPIC #chan :new topic");
  h.ctx.run_held();
  h.ctx.hold_offload = false;
  std::vector<std::string> seen;  // what the laptop got after its self-presence, in order
  for (const auto& e : h.ctx.take()) {
    if (e.attr_or("to") != "alice@example.org/laptop" || e.name() != "message") continue;
    if (e.child("subject")) seen.push_back("subject:" + e.child_text("subject"));
    else seen.push_back(e.child_text("body") + (e.child("delay", "urn:xmpp:delay") ? " (delayed)" : ""));
  }
  EXPECT_EQ(seen, (Strings{"line 0 (delayed)", "line 1 (delayed)", "line 2 (delayed)", "subject:The topic",
                           "live while reading", "subject:new topic"}));
}

TEST(History, LineArchivedBeforeTheReadIsNotDeliveredTwice) {
  Harness h;
  h.join();
  h.ctx.take();
  h.ctx.hold_offload = true;
  say(h, 1);  // its write job is queued ahead of the history read
  h.in("<presence from='alice@example.org/laptop' to='" + room + "/alice'>"
       "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='5'/></x></presence>");
  h.link().receive(":op!o@h PRIVMSG #chan :second");
  h.ctx.run_held();
  h.ctx.hold_offload = false;
  Strings bodies;
  for (const auto& e : h.ctx.take())
    if (e.attr_or("to") == "alice@example.org/laptop" && !e.child_text("body").empty()) bodies.push_back(e.child_text("body"));
  // "second" may be in the history or come live, but exactly once, after "line 0".
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0], "line 0");
  EXPECT_EQ(bodies[1], "second");
}

TEST(History, RetentionPrunesOldRows) {
  FakeContext ctx(default_config);
  HistoryStore store(ctx.sqlite(), [](auto work, auto done) { work(); done(); }, 30);
  ASSERT_TRUE(store.migrate());
  ASSERT_TRUE(HistoryStore::write(ctx.sqlite(), {{"a@x", "r", "1", 1000, "n", "old"}, {"a@x", "r", "2", 2000, "n", "new"}}));
  auto pruned = HistoryStore::prune(ctx.sqlite(), 1500);
  ASSERT_TRUE(pruned);
  EXPECT_EQ(*pruned, 1);
}

}  // namespace
}  // namespace junction::irc::testing
