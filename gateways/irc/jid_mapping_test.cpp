#include "gateways/irc/jid_mapping.hpp"

#include <gtest/gtest.h>

namespace junction::irc {
namespace {

xmpp::Jid jid(const std::string& s) { return *xmpp::Jid::parse(s); }

TEST(JidMapping, MultiNetworkForms) {
  JidMapper m("irc.example.org", "");
  auto room = m.parse(jid("#chan%libera@irc.example.org/Nick"));
  ASSERT_TRUE(room);
  EXPECT_EQ(room->kind, Address::Kind::room);
  EXPECT_EQ(room->network, "libera");
  EXPECT_EQ(room->name, "#chan");
  EXPECT_EQ(room->occupant, "Nick");

  auto user = m.parse(jid("bob%libera@irc.example.org"));
  ASSERT_TRUE(user);
  EXPECT_EQ(user->kind, Address::Kind::user);
  EXPECT_EQ(user->name, "bob");

  auto server = m.parse(jid("libera@irc.example.org"));
  ASSERT_TRUE(server);
  EXPECT_EQ(server->kind, Address::Kind::server);
  EXPECT_EQ(server->network, "libera");

  auto gateway = m.parse(jid("irc.example.org"));
  ASSERT_TRUE(gateway);
  EXPECT_EQ(gateway->kind, Address::Kind::gateway);
  EXPECT_FALSE(m.parse(jid("#chan%libera@elsewhere.org")));
  EXPECT_FALSE(m.parse(jid("%libera@irc.example.org")));
}

TEST(JidMapping, RoundTripsWithEscapingAndPercentInChannel) {
  JidMapper m("irc.example.org", "");
  for (std::string channel : {"#chan", "#a%b", "&local", "#it's"}) {
    auto room = m.room("libera", channel);
    ASSERT_FALSE(room.empty()) << channel;
    auto back = m.parse(jid(room));
    ASSERT_TRUE(back) << room;
    EXPECT_EQ(back->kind, Address::Kind::room);
    EXPECT_EQ(back->name, channel) << room;
    EXPECT_EQ(back->network, "libera");
  }
  EXPECT_EQ(m.room("libera", "#it's"), "#it\\27s%libera@irc.example.org");
  auto user = m.user("libera", "Some[Nick]");
  EXPECT_EQ(user, "some[nick]%libera@irc.example.org");
  EXPECT_EQ(m.parse(jid(user))->name, "some[nick]");
  EXPECT_EQ(m.occupant("#chan%libera@irc.example.org", "Bob"), "#chan%libera@irc.example.org/Bob");
  EXPECT_EQ(m.server("libera"), "libera@irc.example.org");
}

TEST(JidMapping, FixedNetworkForms) {
  JidMapper m("irc.example.org", "libera");
  auto room = m.parse(jid("#chan@irc.example.org/Me"));
  ASSERT_TRUE(room);
  EXPECT_EQ(room->kind, Address::Kind::room);
  EXPECT_EQ(room->network, "libera");
  EXPECT_EQ(room->occupant, "Me");
  auto user = m.parse(jid("bob@irc.example.org"));
  ASSERT_TRUE(user);
  EXPECT_EQ(user->kind, Address::Kind::user);
  EXPECT_EQ(user->network, "libera");
  auto server = m.parse(jid("irc.example.org"));
  ASSERT_TRUE(server);
  EXPECT_EQ(server->kind, Address::Kind::server);
  EXPECT_EQ(m.room("libera", "#chan"), "#chan@irc.example.org");
  EXPECT_EQ(m.user("libera", "Bob"), "bob@irc.example.org");
  EXPECT_EQ(m.server("libera"), "irc.example.org");
  EXPECT_TRUE(m.parse(jid("#chan%libera@irc.example.org")));
  EXPECT_FALSE(m.parse(jid("#chan%oftc@irc.example.org")));
}

}  // namespace
}  // namespace junction::irc
