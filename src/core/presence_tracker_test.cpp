#include "core/presence_tracker.hpp"

#include <gtest/gtest.h>

namespace junction::core {
namespace {
xmpp::Jid jid(const char* text) { return *xmpp::Jid::parse(text); }

TEST(PresenceTracker, TracksResourcesPerUser) {
  PresenceTracker tracker;
  EXPECT_EQ(tracker.available(jid("alice@example.org/phone")), PresenceTracker::Change::came_online);
  EXPECT_EQ(tracker.available(jid("alice@example.org/phone")), PresenceTracker::Change::none);
  EXPECT_EQ(tracker.available(jid("alice@example.org/laptop")), PresenceTracker::Change::came_online);
  EXPECT_EQ(tracker.resources(jid("alice@example.org")).size(), 2u);
  EXPECT_EQ(tracker.resource_count(), 2u);

  auto gone = tracker.unavailable(jid("alice@example.org/phone"));
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].str(), "alice@example.org/phone");
  EXPECT_TRUE(tracker.unavailable(jid("alice@example.org/phone")).empty());
  EXPECT_EQ(tracker.users().size(), 1u);
}

TEST(PresenceTracker, BareUnavailableDropsEveryResource) {
  PresenceTracker tracker;
  tracker.available(jid("bob@example.org/a"));
  tracker.available(jid("bob@example.org/b"));
  EXPECT_EQ(tracker.unavailable(jid("bob@example.org")).size(), 2u);
  EXPECT_TRUE(tracker.users().empty());
}
}  // namespace
}  // namespace junction::core
