#include "gateways/irc/channel.hpp"

#include <gtest/gtest.h>

namespace junction::irc {
namespace {

TEST(Channel, PrivilegesFromPrefixes) {
  EXPECT_EQ(privilege_for("~").affiliation, "owner");
  EXPECT_EQ(privilege_for("&").affiliation, "admin");
  EXPECT_EQ(privilege_for("@").role, "moderator");
  EXPECT_EQ(privilege_for("@").affiliation, "admin");
  EXPECT_EQ(privilege_for("%").role, "moderator");
  EXPECT_EQ(privilege_for("%").affiliation, "member");
  EXPECT_EQ(privilege_for("+").role, "participant");
  EXPECT_EQ(privilege_for("+").affiliation, "member");
  EXPECT_EQ(privilege_for("").affiliation, "none");
  EXPECT_EQ(privilege_for("+@").role, "moderator");
}

TEST(Channel, MembersFollowNamesModesAndNicks) {
  ISupport is;
  is.apply_token("PREFIX=(ov)@+");
  Channel c("#chan", "#chan%libera@irc.example.org");
  c.add_from_names(is, "@+Alice");
  c.add_from_names(is, "bob");
  ASSERT_NE(c.find(is, "alice"), nullptr);
  EXPECT_EQ(c.find(is, "ALICE")->prefixes, "@+");
  EXPECT_TRUE(c.set_status(is, "bob", '+', true));
  EXPECT_EQ(c.find(is, "bob")->prefixes, "+");
  EXPECT_TRUE(c.set_status(is, "alice", '@', false));
  EXPECT_EQ(c.find(is, "alice")->prefixes, "+");
  EXPECT_TRUE(c.rename(is, "bob", "Robert"));
  EXPECT_EQ(c.find(is, "robert")->nick, "Robert");
  EXPECT_EQ(c.find(is, "bob"), nullptr);
  EXPECT_TRUE(c.remove(is, "Robert"));
  EXPECT_FALSE(c.remove(is, "Robert"));
  EXPECT_EQ(c.members().size(), 1u);
}

TEST(Channel, ModeratedMakesTheUnvoicedVisitors) {
  EXPECT_EQ(privilege_for("", true).role, "visitor");
  EXPECT_EQ(privilege_for("", true).affiliation, "none");
  EXPECT_EQ(privilege_for("+", true).role, "participant");
  EXPECT_EQ(privilege_for("@", true).role, "moderator");
}

TEST(Channel, ApplyModesFollowsChanmodes) {
  ISupport is;  // CHANMODES=b,k,l,imnpst and PREFIX=(ov)@+ by default
  ChannelModes modes;
  auto status = apply_modes(is, modes, "+ntkl-v+bo", {"sesame", "25", "bob", "*!*@spam", "carol"});
  EXPECT_EQ(modes.flags, "ntkl");
  EXPECT_EQ(modes.key, "sesame");
  ASSERT_TRUE(modes.limit);
  EXPECT_EQ(*modes.limit, 25u);
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[0].nick, "bob");
  EXPECT_EQ(status[0].symbol, '+');
  EXPECT_FALSE(status[0].on);
  EXPECT_EQ(status[1].nick, "carol");
  EXPECT_EQ(status[1].symbol, '@');
  EXPECT_TRUE(status[1].on);

  // -l takes no parameter, -k does: the following nick still lines up.
  status = apply_modes(is, modes, "-lk+v", {"sesame", "dave"});
  EXPECT_EQ(modes.flags, "nt");
  EXPECT_EQ(modes.key, "");
  EXPECT_FALSE(modes.limit);
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].nick, "dave");

  // Missing parameters are tolerated.
  status = apply_modes(is, modes, "+kv", {});
  EXPECT_TRUE(modes.has('k'));
  EXPECT_TRUE(status.empty());
}

}  // namespace
}  // namespace junction::irc
