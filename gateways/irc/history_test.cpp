#include "gateways/irc/history_store.hpp"
#include "gateways/irc/irc_test_support.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <deque>
#include <functional>

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
  EXPECT_TRUE(h.ctx.held.empty()) << "the batch gathers for the write window first";
  h.ctx.io().run_for(std::chrono::milliseconds(200));
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

// Archive ids as next_id() makes them: microseconds, 14 hex digits.
std::string id_at(std::int64_t ms, int extra = 0) { return fmt::format("{:014x}", ms * 1000 + extra); }

ArchiveQuery everything(const std::string& owner, const std::string& room_jid) {
  ArchiveQuery q;
  q.owner = owner;
  q.room = room_jid;
  q.max = 100;
  return q;
}

Strings page_bodies(const ArchivePage& page) {
  Strings b;
  for (const auto& m : page.messages) b.push_back(m.body);
  return b;
}

TEST(History, WriteWindowGathersAndQueriesDoNotWaitForIt) {
  FakeContext ctx(default_config);
  HistoryStore store(ctx.sqlite(), [](auto work, auto done) { work(); done(); }, 0);
  ASSERT_TRUE(store.migrate());
  std::vector<std::function<void()>> timers;
  store.set_write_window([&](std::chrono::milliseconds, std::function<void()> then) { timers.push_back(std::move(then)); },
                         std::chrono::milliseconds(50));
  auto message = [&](const std::string& body) {
    return ArchivedMessage{"alice@example.org", room, store.next_id(), 1'000, "op", body};
  };
  store.append(message("one"));
  store.append(message("two"));
  EXPECT_EQ(timers.size(), 1u) << "one window for the burst";
  EXPECT_EQ(store.queued(), 2u) << "nothing written before the window ends";

  // A query sends the gathering batch first, so it finds what the client saw live.
  ArchiveQuery q;
  q.owner = "alice@example.org";
  q.room = room;
  std::vector<std::string> found;
  store.query(q, [&](Result<ArchivePage> page) {
    ASSERT_TRUE(page);
    for (const auto& m : page->messages) found.push_back(m.body);
  });
  EXPECT_EQ(found, (Strings{"one", "two"}));
  EXPECT_EQ(store.queued(), 0u);
  timers[0]();  // the window's timer, firing late, writes nothing twice
  store.append(message("three"));
  ASSERT_EQ(timers.size(), 2u) << "a new window for the next message";
  timers[1]();
  found.clear();
  store.query(q, [&](Result<ArchivePage> page) {
    ASSERT_TRUE(page);
    for (const auto& m : page->messages) found.push_back(m.body);
  });
  EXPECT_EQ(found, (Strings{"one", "two", "three"}));
}

TEST(History, RetentionPrunesOldRows) {
  FakeContext ctx(default_config);
  HistoryStore store(ctx.sqlite(), [](auto work, auto done) { work(); done(); }, 30);
  ASSERT_TRUE(store.migrate());
  ASSERT_TRUE(HistoryStore::write(ctx.sqlite(), {{"a@x", "r", id_at(1000), 1000, "n", "old"},
                                                 {"a@x", "r", id_at(2000), 2000, "n", "new"}}));
  auto pruned = HistoryStore::prune(ctx.sqlite(), 1500);
  ASSERT_TRUE(pruned);
  EXPECT_EQ(*pruned, 1);
  auto page = HistoryStore::run_query(ctx.sqlite(), everything("a@x", "r"));
  ASSERT_TRUE(page);
  EXPECT_EQ(page_bodies(*page), Strings{"new"});
}

TEST(History, PruningCutsEveryConversationAtTheSameTime) {
  FakeContext ctx(default_config);
  HistoryStore store(ctx.sqlite(), [](auto work, auto done) { work(); done(); }, 30);
  ASSERT_TRUE(store.migrate());
  ASSERT_TRUE(HistoryStore::write(ctx.sqlite(), {{"a@x", "r1", id_at(1000), 1000, "n", "a r1 old"},
                                                 {"a@x", "r1", id_at(3000), 3000, "n", "a r1 new"},
                                                 {"a@x", "r2", id_at(1100), 1100, "n", "a r2 old"},
                                                 {"b@x", "r1", id_at(1200), 1200, "n", "b r1 old"},
                                                 {"b@x", "r1", id_at(2500), 2500, "n", "b r1 new"},
                                                 {"b@x", "r3", id_at(4000), 4000, "n", "b r3 new"}}));
  auto pruned = HistoryStore::prune(ctx.sqlite(), 2000);
  ASSERT_TRUE(pruned);
  EXPECT_EQ(*pruned, 3);
  auto bodies_of = [&](const std::string& owner, const std::string& r) {
    auto page = HistoryStore::run_query(ctx.sqlite(), everything(owner, r));
    return page ? page_bodies(*page) : Strings{"error: " + page.error().message};
  };
  EXPECT_EQ(bodies_of("a@x", "r1"), Strings{"a r1 new"});
  EXPECT_EQ(bodies_of("a@x", "r2"), Strings{});
  EXPECT_EQ(bodies_of("b@x", "r1"), Strings{"b r1 new"});
  EXPECT_EQ(bodies_of("b@x", "r3"), Strings{"b r3 new"});
}

TEST(History, ArchivesAreSeparatePerOwnerAndRoom) {
  FakeContext ctx(default_config);
  std::deque<std::pair<std::function<void()>, std::function<void()>>> held;
  auto hold = [&](auto work, auto done) { held.emplace_back(std::move(work), std::move(done)); };
  HistoryStore store(ctx.sqlite(), hold, 0);
  ASSERT_TRUE(store.migrate());
  auto run_held = [&] {
    while (!held.empty()) {
      auto [work, done] = std::move(held.front());
      held.pop_front();
      work();
      done();
    }
  };
  // Held jobs: the first batch is one message, the second has several rows of each
  // conversation the loop does not know yet; later ones carry the ids learnt from those.
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 3; ++i) {
      const std::string n = std::to_string(round * 3 + i);
      store.append({"a@x", "r1", store.next_id(), 1000 + i, "n", "a r1 " + n});
      store.append({"b@x", "r1", store.next_id(), 1000 + i, "n", "b r1 " + n});
      store.append({"a@x", "r2", store.next_id(), 1000 + i, "n", "a r2 " + n});
    }
    run_held();
  }
  EXPECT_EQ(store.queued(), 0u);
  auto bodies_of = [&](const std::string& owner, const std::string& r) {
    auto page = HistoryStore::run_query(ctx.sqlite(), everything(owner, r));
    return page ? page_bodies(*page) : Strings{"error: " + page.error().message};
  };
  for (const std::string owner_room : {"a r1", "b r1", "a r2"}) {
    Strings expected;
    for (int n = 0; n < 6; ++n) expected.push_back(owner_room + " " + std::to_string(n));
    EXPECT_EQ(bodies_of(std::string(1, owner_room[0]) + "@x", owner_room.substr(2)), expected);
  }
  EXPECT_EQ(bodies_of("b@x", "r2"), Strings{});
}

TEST(History, RsmIdsAreTheArchiveIdsAndBelongToOneRoom) {
  FakeContext ctx(default_config);
  HistoryStore store(ctx.sqlite(), [](auto work, auto done) { work(); done(); }, 0);
  ASSERT_TRUE(store.migrate());
  Strings ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(store.next_id());
    store.append({"a@x", "r1", ids.back(), 1000, "n", "line " + std::to_string(i)});
  }
  std::string other_room_id = store.next_id();
  store.append({"a@x", "r2", other_room_id, 1000, "n", "elsewhere"});

  auto all = HistoryStore::run_query(ctx.sqlite(), everything("a@x", "r1"));
  ASSERT_TRUE(all);
  Strings got;
  for (const auto& m : all->messages) got.push_back(m.id);
  EXPECT_EQ(got, ids);

  auto q = everything("a@x", "r1");
  q.after = ids[1];
  auto after = HistoryStore::run_query(ctx.sqlite(), q);
  ASSERT_TRUE(after);
  EXPECT_EQ(page_bodies(*after), (Strings{"line 2", "line 3"}));

  q = everything("a@x", "r1");
  q.before = ids[2];
  auto before = HistoryStore::run_query(ctx.sqlite(), q);
  ASSERT_TRUE(before);
  EXPECT_EQ(page_bodies(*before), (Strings{"line 0", "line 1"}));

  for (const std::string& unknown : {other_room_id, std::string("zz"), id_at(1)}) {
    q = everything("a@x", "r1");
    q.after = unknown;
    auto page = HistoryStore::run_query(ctx.sqlite(), q);
    ASSERT_FALSE(page) << unknown;
    EXPECT_EQ(page.error().message, "item-not-found");
  }
  q = everything("nobody@x", "r1");
  q.after = ids[0];
  auto foreign = HistoryStore::run_query(ctx.sqlite(), q);
  ASSERT_FALSE(foreign) << "another user's id";
  EXPECT_EQ(foreign.error().message, "item-not-found");
}

TEST(History, MigrationKeepsRowsOfTheOldTable) {
  FakeContext ctx(default_config);
  // The schema as the first migration step left it.
  const std::string old_schema =
      "CREATE TABLE irc_history (seq INTEGER PRIMARY KEY, owner TEXT NOT NULL, room TEXT NOT NULL,"
      " archive_id TEXT NOT NULL, ts INTEGER NOT NULL, nick TEXT NOT NULL, body TEXT NOT NULL);"
      "CREATE INDEX irc_history_room ON irc_history(owner, room, seq);"
      "CREATE UNIQUE INDEX irc_history_id ON irc_history(owner, archive_id);"
      "CREATE INDEX irc_history_ts ON irc_history(ts);";
  ASSERT_TRUE(ctx.sqlite().migrate_module("irc_history", {old_schema}));
  ASSERT_TRUE(ctx.sqlite().with_database([](store::Database& db) {
    return db.exec(
        "INSERT INTO irc_history (owner, room, archive_id, ts, nick, body) VALUES"
        " ('a@x', 'r1', 'x1', 5000, 'op', 'first'),"
        " ('a@x', 'r1', 'x2', 5000, 'op', 'same millisecond'),"
        " ('b@x', 'r1', 'x3', 5500, 'op', 'b only'),"
        " ('a@x', 'r1', 'x4', 6000, 'me', 'third'),"
        " ('a@x', 'r2', 'x5', 7000, 'op', 'other room');");
  }));

  HistoryStore store(ctx.sqlite(), [](auto work, auto done) { work(); done(); }, 0);
  ASSERT_TRUE(store.migrate());
  auto page = HistoryStore::run_query(ctx.sqlite(), everything("a@x", "r1"));
  ASSERT_TRUE(page);
  EXPECT_EQ(page_bodies(*page), (Strings{"first", "same millisecond", "third"}));
  Strings ids;
  for (const auto& m : page->messages) ids.push_back(m.id);
  EXPECT_EQ(ids, (Strings{id_at(5000), id_at(5000, 1), id_at(6000)}));
  EXPECT_EQ(page->messages[2].nick, "me");
  EXPECT_EQ(page->messages[2].ts_ms, 6000);

  auto b = HistoryStore::run_query(ctx.sqlite(), everything("b@x", "r1"));
  ASSERT_TRUE(b);
  EXPECT_EQ(page_bodies(*b), Strings{"b only"});

  // New messages sort after the migrated ones and page from them.
  store.append({"a@x", "r1", store.next_id(), 8000, "op", "after the upgrade"});
  auto q = everything("a@x", "r1");
  q.after = ids[1];
  auto later = HistoryStore::run_query(ctx.sqlite(), q);
  ASSERT_TRUE(later);
  EXPECT_EQ(page_bodies(*later), (Strings{"third", "after the upgrade"}));

  auto old_table = ctx.sqlite().with_database([](store::Database& db) -> Result<bool> {
    auto s = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'irc_history'");
    if (!s) return std::unexpected(s.error());
    auto row = s->step();
    if (!row) return std::unexpected(row.error());
    return *row;
  });
  ASSERT_TRUE(old_table);
  EXPECT_FALSE(*old_table) << "the old table is dropped";
}

}  // namespace
}  // namespace junction::irc::testing
