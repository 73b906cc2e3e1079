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

}  // namespace
}  // namespace junction::irc
