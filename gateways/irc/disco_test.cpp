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
  ASSERT_EQ(network->identities.size(), 1u);
  EXPECT_EQ(network->identities.at(0).category, "conference");
  EXPECT_EQ(network->identities.at(0).type, "irc");
  EXPECT_TRUE(has(network->features, "http://jabber.org/protocol/muc"));
  EXPECT_TRUE(has(network->features, "http://jabber.org/protocol/rsm"));

  auto room = h.gateway->disco_info(alice, jid("#chan%libera@irc.example.org"));
  ASSERT_TRUE(room);
  EXPECT_EQ(room->identities.at(0).category, "conference");
  for (auto f : {"http://jabber.org/protocol/muc", "muc_nonanonymous", "urn:xmpp:mam:2", "urn:xmpp:sid:0"})
    EXPECT_TRUE(has(room->features, f)) << f;
  // Not joined: nothing is claimed about modes that are not known.
  for (auto f : {"muc_open", "muc_unsecured", "muc_persistent", "muc_passwordprotected"})
    EXPECT_FALSE(has(room->features, f)) << f;

  EXPECT_FALSE(h.gateway->disco_info(alice, jid("bob%libera@irc.example.org")));  // host default: a client
  EXPECT_FALSE(h.gateway->disco_info(alice, jid("nowhere@irc.example.org")));
  EXPECT_TRUE(has(h.gateway->features(), "http://jabber.org/protocol/muc"));

  // The gateway domain lists the networks; a joined room its occupants.
  auto networks = h.gateway->disco_items(alice, jid("irc.example.org"));
  ASSERT_EQ(networks.size(), 2u);
  EXPECT_EQ(networks[0].jid, "libera@irc.example.org");
  EXPECT_EQ(networks[0].name, "IRC network libera (irc.libera.chat)");
  EXPECT_EQ(networks[1].jid, "oftc@irc.example.org");
  h.join();
  EXPECT_EQ(h.gateway->disco_items(alice, jid("#chan%libera@irc.example.org")).size(), 4u);
}

std::string form_value(const core::DiscoInfo& info, std::string_view var) {
  for (const auto& form : info.extensions)
    if (const auto* f = form.field(var)) return f->value();
  return "<absent>";
}

TEST(Disco, JoinedRoomTellsItsModesTopicAndOccupants) {
  Harness h;
  h.join();
  h.link().receive(":srv 324 alice #chan +ntk sesame");
  auto info = h.gateway->disco_info(alice, jid("#chan%libera@irc.example.org"));
  ASSERT_TRUE(info);
  for (auto f : {"muc_passwordprotected", "muc_open", "muc_unmoderated", "muc_public", "muc_temporary"})
    EXPECT_TRUE(has(info->features, f)) << f;
  EXPECT_FALSE(has(info->features, "muc_unsecured"));
  EXPECT_EQ(form_value(*info, "FORM_TYPE"), "http://jabber.org/protocol/muc#roominfo");
  EXPECT_EQ(form_value(*info, "muc#roominfo_description"), "The topic");
  EXPECT_EQ(form_value(*info, "muc#roominfo_subject"), "The topic");
  EXPECT_EQ(form_value(*info, "muc#roominfo_occupants"), "4");
  EXPECT_EQ(form_value(*info, "muc#roominfo_subjectmod"), "0");

  h.link().receive(":op!o@h MODE #chan +imsP-k sesame");
  info = h.gateway->disco_info(alice, jid("#chan%libera@irc.example.org"));
  for (auto f : {"muc_unsecured", "muc_membersonly", "muc_moderated", "muc_hidden", "muc_persistent"})
    EXPECT_TRUE(has(info->features, f)) << f;
}

TEST(Disco, RoomNotJoinedTakesOccupantsFromTheLastList) {
  Harness h;
  h.in("<iq type='get' id='l' from='alice@example.org/phone' to='libera@irc.example.org'>"
       "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
  h.link().welcome();
  h.link().receive(":srv 322 alice #far 17 :far away");
  h.link().receive(":srv 323 alice :End");
  auto info = h.gateway->disco_info(alice, jid("#far%libera@irc.example.org"));
  ASSERT_TRUE(info);
  EXPECT_EQ(form_value(*info, "muc#roominfo_occupants"), "17");
  info = h.gateway->disco_info(alice, jid("#unlisted%libera@irc.example.org"));
  EXPECT_EQ(form_value(*info, "muc#roominfo_occupants"), "<absent>");
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
