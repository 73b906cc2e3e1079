#include "ctcp.hpp"

#include <gtest/gtest.h>

namespace junction::irc {
namespace {

using std::chrono::system_clock;

IrcMessage incoming(std::string_view line) { return parse(line).value(); }

TEST(Ctcp, ParsesRequests) {
  auto c = parse_ctcp("\x01" "ACTION waves hello\x01");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->command, "ACTION");
  EXPECT_EQ(c->params, "waves hello");
  c = parse_ctcp("\x01version\x01");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->command, "VERSION");
  EXPECT_EQ(c->params, "");
  c = parse_ctcp("\x01PING 12345");  // closing delimiter omitted
  ASSERT_TRUE(c);
  EXPECT_EQ(c->params, "12345");
  EXPECT_FALSE(parse_ctcp("plain text"));
  EXPECT_FALSE(parse_ctcp("\x01"));
  EXPECT_FALSE(parse_ctcp("\x01\x01"));
}

TEST(Ctcp, ActionMapsToMe) {
  EXPECT_EQ(action_to_me("\x01" "ACTION dances\x01"), "/me dances");
  EXPECT_EQ(action_to_me("just text"), "just text");
  EXPECT_EQ(action_to_me("\x01VERSION\x01"), "\x01VERSION\x01");
  EXPECT_EQ(me_to_action("/me dances"), "\x01" "ACTION dances\x01");
  EXPECT_EQ(me_to_action("/message"), "/message");
  EXPECT_EQ(me_to_action("hi /me x"), "hi /me x");
  EXPECT_TRUE(is_me_command("/me x"));
  EXPECT_FALSE(is_me_command("/me"));
  EXPECT_EQ(action_to_me(me_to_action("/me round trips")), "/me round trips");
}

TEST(Ctcp, RepliesToVersionPingTimeClientinfo) {
  CtcpIdentity id{"Junction 1.0"};
  auto now = system_clock::from_time_t(0);
  auto r = ctcp_reply(incoming(":bob!b@h PRIVMSG me :\x01VERSION\x01"), id, now);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->serialize().value(), "NOTICE bob :\x01VERSION Junction 1.0\x01");

  r = ctcp_reply(incoming(":bob!b@h PRIVMSG me :\x01PING 1699999999 123\x01"), id, now);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->params[1], "\x01PING 1699999999 123\x01");

  r = ctcp_reply(incoming(":bob!b@h PRIVMSG #chan :\x01TIME\x01"), id, now);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->params[0], "bob");
  EXPECT_EQ(r->params[1], "\x01TIME Thu, 01 Jan 1970 00:00:00 GMT\x01");

  r = ctcp_reply(incoming(":bob!b@h PRIVMSG me :\x01" "CLIENTINFO\x01"), id, now);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->params[1], "\x01" "CLIENTINFO ACTION CLIENTINFO PING TIME VERSION\x01");
}

TEST(Ctcp, IgnoresWhatIsNotARequest) {
  CtcpIdentity id;
  auto now = system_clock::now();
  EXPECT_FALSE(ctcp_reply(incoming(":bob!b@h PRIVMSG me :\x01" "ACTION hi\x01"), id, now));
  EXPECT_FALSE(ctcp_reply(incoming(":bob!b@h PRIVMSG me :\x01" "DCC SEND x\x01"), id, now));
  EXPECT_FALSE(ctcp_reply(incoming(":bob!b@h NOTICE me :\x01VERSION\x01"), id, now));
  EXPECT_FALSE(ctcp_reply(incoming(":bob!b@h PRIVMSG me :VERSION"), id, now));
  EXPECT_FALSE(ctcp_reply(incoming("PRIVMSG me :\x01VERSION\x01"), id, now));
}

TEST(Ctcp, PingEchoIsBounded) {
  std::string big(1000, 'p');
  auto r = ctcp_reply(incoming(":bob!b@h PRIVMSG me :\x01PING " + big + "\x01"), {}, system_clock::now());
  ASSERT_TRUE(r);
  EXPECT_LE(r->params[1].size(), 420u);
  EXPECT_TRUE(r->serialize());
}

}  // namespace
}  // namespace junction::irc
