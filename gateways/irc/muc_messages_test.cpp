#include "gateways/irc/irc_test_support.hpp"
#include "gateways/irc/server_time.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace junction::irc::testing {
namespace {

const std::string room = "#chan%libera@irc.example.org";

const xmpp::Element* delay_of(const xmpp::Element& message) { return message.child("delay", "urn:xmpp:delay"); }

TEST(MucMessagesServerTime, ReplayedLineCarriesTheServersStamp) {
  Harness h;
  h.join();
  h.ctx.take();
  h.link().receive("@time=2024-05-01T12:00:00.250Z :op!o@h PRIVMSG #chan :from the bouncer's buffer");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u);
  const auto* delay = delay_of(out[0]);
  ASSERT_NE(delay, nullptr);
  EXPECT_EQ(delay->attr_or("stamp"), "2024-05-01T12:00:00.250Z");
  EXPECT_EQ(delay->attr_or("from"), room);
}

TEST(MucMessagesServerTime, LiveLinesHaveNoDelay) {
  Harness h;
  h.join();
  h.ctx.take();
  // A few seconds of clock difference between the IRC server and us is not a replay.
  const auto recent = std::chrono::system_clock::now() - std::chrono::seconds(5);
  h.link().receive("@time=" + format_xep0082(recent) + " :op!o@h PRIVMSG #chan :just now");
  h.link().receive(":op!o@h PRIVMSG #chan :no tag at all");
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(delay_of(out[0]), nullptr);
  EXPECT_EQ(delay_of(out[1]), nullptr);
}

TEST(MucMessagesModerated, VisitorsLineIsRefusedBeforeReachingIrc) {
  Harness h;
  h.join();
  h.link().receive(":srv 324 alice #chan +mnt");
  h.ctx.take();
  h.link().take_lines();
  h.in("<message type='groupchat' id='v1' from='alice@example.org/phone' to='" + room + "'><body>may I?</body></message>");
  EXPECT_TRUE(h.link().take_lines().empty()) << "nothing sent for the server to refuse";
  auto out = h.ctx.take();
  ASSERT_EQ(out.size(), 1u) << "an error, not a reflection";
  EXPECT_EQ(out[0].attr_or("type"), "error");
  EXPECT_EQ(out[0].attr_or("id"), "v1");
  const auto* error = out[0].child("error");
  ASSERT_NE(error, nullptr);
  EXPECT_NE(error->child("forbidden", "urn:ietf:params:xml:ns:xmpp-stanzas"), nullptr);

  // With voice the same line goes out.
  h.link().receive(":op!o@h MODE #chan +v alice");
  h.ctx.take();
  h.in("<message type='groupchat' id='v2' from='alice@example.org/phone' to='" + room + "'><body>thanks</body></message>");
  EXPECT_EQ(h.link().take_lines(), (std::vector<std::string>{"PRIVMSG #chan thanks"}));
}

}  // namespace
}  // namespace junction::irc::testing
