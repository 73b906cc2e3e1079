#include "gateways/irc/irc_test_support.hpp"

#include <gtest/gtest.h>

namespace junction::irc::testing {
namespace {

xmpp::Jid jid(const std::string& s) { return *xmpp::Jid::parse(s); }
const xmpp::Jid alice = jid("alice@example.org/phone");

bool has(const std::vector<std::string>& v, std::string_view x) { return std::find(v.begin(), v.end(), x) != v.end(); }

TEST(Disco, NetworksRoomsAndUsers) {
  Harness h;
  auto network = h.gateway->disco_info(alice, jid("libera@irc.example.org"));
  ASSERT_TRUE(network);
  EXPECT_EQ(network->identities.at(0).category, "conference");
  EXPECT_EQ(network->identities.at(0).type, "irc");
  EXPECT_TRUE(has(network->features, "http://jabber.org/protocol/muc"));

  auto room = h.gateway->disco_info(alice, jid("#chan%libera@irc.example.org"));
  ASSERT_TRUE(room);
  EXPECT_EQ(room->identities.at(0).category, "conference");
  for (auto f : {"http://jabber.org/protocol/muc", "muc_nonanonymous", "urn:xmpp:mam:2", "urn:xmpp:sid:0"})
    EXPECT_TRUE(has(room->features, f)) << f;

  EXPECT_FALSE(h.gateway->disco_info(alice, jid("bob%libera@irc.example.org")));  // host default: a client
  EXPECT_FALSE(h.gateway->disco_info(alice, jid("nowhere@irc.example.org")));
  EXPECT_TRUE(has(h.gateway->features(), "http://jabber.org/protocol/muc"));

  h.join();
  auto rooms = h.gateway->disco_items(alice, jid("libera@irc.example.org"));
  ASSERT_EQ(rooms.size(), 1u);
  EXPECT_EQ(rooms[0].jid, "#chan%libera@irc.example.org");
  EXPECT_EQ(h.gateway->disco_items(alice, jid("#chan%libera@irc.example.org")).size(), 4u);
}

TEST(Disco, NetworkJidListsTheConfigureCommand) {
  Harness h;
  h.in("<iq type='get' id='c' from='alice@example.org/phone' to='libera@irc.example.org'>"
       "<query xmlns='http://jabber.org/protocol/disco#items' node='http://jabber.org/protocol/commands'/></iq>");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].child("query")->child("item")->attr_or("node"), "irc/configure");
}

TEST(LegacyToJid, TypedAddresses) {
  Harness h;
  EXPECT_EQ(h.gateway->legacy_to_jid("#Chan%libera")->str(), "#chan%libera@irc.example.org");
  EXPECT_EQ(h.gateway->legacy_to_jid("Bob%oftc")->str(), "bob%oftc@irc.example.org");
  EXPECT_FALSE(h.gateway->legacy_to_jid("#chan"));
  EXPECT_FALSE(h.gateway->legacy_to_jid("#chan%nowhere"));
}

}  // namespace
}  // namespace junction::irc::testing
