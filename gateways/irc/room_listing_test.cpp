#include "gateways/irc/irc_test_support.hpp"
#include "xmpp/stanza.hpp"

#include <gtest/gtest.h>

namespace junction::irc::testing {
namespace {

using Strings = std::vector<std::string>;

std::string items_iq(const std::string& id, const std::string& set = {}, const std::string& to = "libera@irc.example.org") {
  return "<iq type='get' id='" + id + "' from='alice@example.org/phone' to='" + to +
         "'><query xmlns='http://jabber.org/protocol/disco#items'>" +
         (set.empty() ? "" : "<set xmlns='http://jabber.org/protocol/rsm'>" + set + "</set>") + "</query></iq>";
}

Strings jids(const xmpp::Element& reply) {
  Strings out;
  for (const auto* item : reply.child("query")->children("item")) out.push_back(item->attr_or("jid"));
  return out;
}

const xmpp::Element* rsm(const xmpp::Element& reply) {
  return reply.child("query")->child("set", "http://jabber.org/protocol/rsm");
}

// The server's answer to LIST: five channels, not in any order.
void send_list(FakeLink& link) {
  link.receive(":srv 321 alice Channel :Users  Name");
  link.receive(":srv 322 alice #small 2 :a small one");
  link.receive(":srv 322 alice #Big 40 :[+nt] the big one");
  link.receive(":srv 322 alice #mid 10 :");
  link.receive(":srv 322 alice * 5 :secret");
  link.receive(":srv 322 alice #also-mid 10 :");
  link.receive(":srv 322 alice #one 1 :");
  link.receive(":srv 323 alice :End of LIST");
}

TEST(RoomListing, ListOnANewConnectionThenPagesFromTheCache) {
  Harness h;
  h.in(items_iq("l1", "<max>2</max>"));
  EXPECT_TRUE(h.ctx.take().empty()) << "answered once the list is in";
  ASSERT_EQ(h.net.links.size(), 1u) << "a connection is opened for the list";
  EXPECT_TRUE(h.link().lines.empty()) << "LIST waits for registration";
  h.link().welcome();
  EXPECT_EQ(h.link().take_lines(), Strings{"LIST"});
  send_list(h.link());

  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u) << "321/322/323 are not shown on the server JID";
  EXPECT_EQ(out[0].attr_or("type"), "result");
  EXPECT_EQ(out[0].attr_or("id"), "l1");
  // Busiest first, ties by name; "*" (a secret channel) is left out.
  EXPECT_EQ(jids(out[0]), (Strings{"#big%libera@irc.example.org", "#also-mid%libera@irc.example.org"}));
  EXPECT_EQ(out[0].child("query")->children("item")[0]->attr_or("name"), "#Big (40 users)");
  ASSERT_NE(rsm(out[0]), nullptr);
  EXPECT_EQ(rsm(out[0])->child_text("count"), "5");
  EXPECT_EQ(rsm(out[0])->child("first")->attr_or("index"), "0");
  EXPECT_EQ(rsm(out[0])->child_text("last"), "#also-mid%libera@irc.example.org");

  // The next page comes from the cache: no second LIST.
  h.in(items_iq("l2", "<max>2</max><after>#also-mid%libera@irc.example.org</after>"));
  out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(jids(out[0]), (Strings{"#mid%libera@irc.example.org", "#small%libera@irc.example.org"}));
  EXPECT_EQ(rsm(out[0])->child("first")->attr_or("index"), "2");
  h.in(items_iq("l3", "<max>2</max><before/>"));
  out = h.ctx.take();
  EXPECT_EQ(jids(out.at(0)), (Strings{"#small%libera@irc.example.org", "#one%libera@irc.example.org"}));
  EXPECT_EQ(out[0].child("query")->children("item")[1]->attr_or("name"), "#one (1 user)");
  h.in(items_iq("l4", "<index>4</index>"));
  EXPECT_EQ(jids(h.ctx.take().at(0)), (Strings{"#one%libera@irc.example.org"}));
  h.in(items_iq("l5"));
  out = h.ctx.take();
  EXPECT_EQ(jids(out.at(0)).size(), 5u) << "without RSM: the default page, which holds them all";
  EXPECT_EQ(rsm(out[0])->child_text("count"), "5");
  EXPECT_TRUE(h.link().lines.empty());

  // The connection was opened only for the list: it goes idle (grace timer) afterwards.
  EXPECT_TRUE(h.gateway->bridge().sessions.find("alice@example.org", "libera")->grace_armed());
}

TEST(RoomListing, UnknownAfterIsItemNotFound) {
  Harness h;
  h.in(items_iq("l1"));
  h.link().welcome();
  send_list(h.link());
  h.ctx.take();
  h.in(items_iq("l2", "<after>#gone%libera@irc.example.org</after>"));
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attr_or("type"), "error");
  EXPECT_NE(out[0].child("error")->child("item-not-found"), nullptr);
}

TEST(RoomListing, QueriesDuringOneListShareIt) {
  Harness h;
  h.join("alice");
  h.link().take_lines();
  h.in(items_iq("a"));
  h.in(items_iq("b", "<max>1</max>"));
  EXPECT_EQ(h.link().take_lines(), Strings{"LIST"}) << "one LIST for both";
  send_list(h.link());
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].attr_or("id"), "a");
  EXPECT_EQ(jids(out[0]).size(), 5u);
  EXPECT_EQ(out[1].attr_or("id"), "b");
  EXPECT_EQ(jids(out[1]).size(), 1u);
  EXPECT_FALSE(h.gateway->bridge().sessions.find("alice@example.org", "libera")->grace_armed())
      << "the connection is in a room: it stays";
}

TEST(RoomListing, ListTypedOnTheServerJidIsShownThere) {
  Harness h;
  h.join("alice");
  h.link().receive(":srv 322 alice #mine 3 :typed by hand");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attr_or("from"), "libera@irc.example.org");
  EXPECT_NE(out[0].child_text("body").find("#mine"), std::string::npos);
}

TEST(RoomListing, CapsRoomsAndLists) {
  Harness h;
  RoomListingLimits limits;
  limits.max_rooms = 3;
  limits.max_lists = 1;
  h.gateway->rooms().listing().set_limits(limits);
  h.in(items_iq("l1"));
  h.link().welcome();
  send_list(h.link());
  EXPECT_EQ(h.link().take_lines(), Strings{"LIST"});
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u) << "the lines past the cap are read and dropped, not shown";
  EXPECT_EQ(rsm(out[0])->child_text("count"), "3");
  EXPECT_EQ(h.gateway->rooms().listing().lists_kept(), 1u);

  // Another user's list pushes the first one out.
  h.in("<iq type='get' id='b1' from='bob@example.org/x' to='libera@irc.example.org'>"
       "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
  h.link().welcome("bob");
  EXPECT_EQ(h.link().take_lines(), Strings{"LIST"});
  h.link().receive(":srv 322 bob #x 1 :");
  h.link().receive(":srv 323 bob :End");
  EXPECT_EQ(jids(h.ctx.take().at(0)), Strings{"#x%libera@irc.example.org"});
  EXPECT_EQ(h.gateway->rooms().listing().lists_kept(), 1u);
  h.in(items_iq("l2"));
  EXPECT_EQ(h.net.links[0]->take_lines(), Strings{"LIST"}) << "alice's list was evicted: LIST again";
}

TEST(RoomListing, TimeoutAnswersWithWhatCame) {
  Harness h;
  RoomListingLimits limits;
  limits.timeout = std::chrono::milliseconds(50);
  h.gateway->rooms().listing().set_limits(limits);
  h.in(items_iq("l1"));
  h.link().welcome();
  h.link().receive(":srv 322 alice #early 4 :");
  h.ctx.io().run_for(std::chrono::milliseconds(200));
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(jids(out[0]), Strings{"#early%libera@irc.example.org"});
  // The rest still arrives later and is not dumped on the server JID.
  h.link().receive(":srv 322 alice #late 4 :");
  h.link().receive(":srv 323 alice :End");
  EXPECT_TRUE(h.ctx.take().empty());
  h.in(items_iq("l2"));
  EXPECT_EQ(jids(h.ctx.take().at(0)).size(), 2u);
}

TEST(RoomListing, SilentServerIsATimeoutError) {
  Harness h;
  RoomListingLimits limits;
  limits.timeout = std::chrono::milliseconds(50);
  h.gateway->rooms().listing().set_limits(limits);
  h.in(items_iq("l1"));
  h.link().welcome();
  h.ctx.io().run_for(std::chrono::milliseconds(200));
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].child("error")->child("remote-server-timeout"), nullptr);
}

TEST(RoomListing, FailedConnectionIsAnError) {
  Harness h;
  h.in(items_iq("l1"));
  h.link().refuse("Connection refused");
  auto out = h.ctx.take();
  std::vector<const xmpp::Element*> errors;
  for (const auto& e : out)
    if (e.name() == "iq") errors.push_back(&e);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0]->attr_or("type"), "error");
  EXPECT_NE(errors[0]->child("error")->child("remote-server-not-found"), nullptr);
  EXPECT_NE(xmpp::error_text(*errors[0]).find("Connection refused"), std::string::npos);
}

TEST(RoomListing, FixedNetworkListsOnTheDomain) {
  std::string config = default_config;
  config.replace(config.find("grace_seconds"), 0, "fixed_network = \"libera\"\n");
  Harness h(config);
  h.in(items_iq("l1", "", "irc.example.org"));
  h.link().welcome();
  EXPECT_EQ(h.link().take_lines(), Strings{"LIST"});
  send_list(h.link());
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(jids(out[0]).front(), "#big@irc.example.org");
}

TEST(RoomListing, BigNetworkListIsKeptWholeAndPagedQuickly) {
  // A network the size of the biggest ones (60,000 channels), line by line as it arrives.
  Harness h;
  h.in(items_iq("big", "<max>50</max>"));
  h.link().welcome();
  h.link().take_lines();
  const int channels = 60'000;
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < channels; ++i)
    h.link().receive(":srv 322 alice #channel-number-" + std::to_string(i) + " " + std::to_string(i % 500) +
                     " :[+nt] a topic that is long enough to matter for memory if it were kept");
  h.link().receive(":srv 323 alice :End of LIST");
  auto listed = std::chrono::steady_clock::now();
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(rsm(out[0])->child_text("count"), std::to_string(channels));
  ASSERT_EQ(jids(out[0]).size(), 50u);
  EXPECT_EQ(out[0].child("query")->children("item")[0]->attr_or("name"), "#channel-number-10499 (499 users)") << "busiest first, then by name";
  // A page deep in the list, found by its UID.
  std::string after = "#channel-number-1%libera@irc.example.org";
  h.in(items_iq("deep", "<max>50</max><after>" + after + "</after>"));
  auto paged = std::chrono::steady_clock::now();
  out = h.ctx.take();
  ASSERT_EQ(jids(out.at(0)).size(), 50u);
  EXPECT_TRUE(h.link().lines.empty());
  std::printf("[ measure  ] 60k LIST lines handled and sorted in %lld ms; a page after a UID in %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(listed - started).count()),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(paged - listed).count()));
}

}  // namespace
}  // namespace junction::irc::testing
