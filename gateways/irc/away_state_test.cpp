#include "gateways/irc/away_state.hpp"

#include <gtest/gtest.h>

namespace junction::irc {
namespace {

TEST(AwayState, AwayOnlyWhenNoResourceIsAvailable) {
  AwayState a;
  a.update("phone", "", "", 0);
  a.update("laptop", "", "", 0);
  a.update("phone", "away", "on the bus", 0);
  EXPECT_EQ(a.away_text(), "") << "the laptop is still available";
  a.update("laptop", "xa", "asleep", 0);
  EXPECT_EQ(a.away_text(), "on the bus") << "away beats xa";
  a.update("laptop", "chat", "", 0);
  EXPECT_EQ(a.away_text(), "");
}

TEST(AwayState, MostAvailableResourceGivesTheText) {
  struct Row {
    const char* show_a;
    int prio_a;
    const char* show_b;
    int prio_b;
    const char* expected;
  };
  // b is always updated after a, so it wins exact ties.
  const Row rows[] = {
      {"away", 0, "dnd", 0, "text a"},  {"dnd", 0, "xa", 0, "text b"},   {"xa", 0, "away", 0, "text b"},
      {"away", 5, "away", 1, "text a"}, {"away", 1, "away", 1, "text b"}, {"dnd", 9, "xa", -3, "text b"},
  };
  for (const auto& r : rows) {
    AwayState a;
    a.update("a", r.show_a, "text a", r.prio_a);
    a.update("b", r.show_b, "text b", r.prio_b);
    EXPECT_EQ(a.away_text(), r.expected) << r.show_a << r.prio_a << " vs " << r.show_b << r.prio_b;
  }
}

TEST(AwayState, DefaultTextsAndRemoval) {
  AwayState a;
  a.update("phone", "dnd", "", 0);
  EXPECT_EQ(a.away_text(), "Busy");
  a.update("laptop", "", "", 0);
  EXPECT_EQ(a.away_text(), "");
  a.remove("laptop");
  EXPECT_EQ(a.away_text(), "Busy") << "the remaining resource decides";
  a.update("phone", "xa", "", 0);
  EXPECT_EQ(a.away_text(), "Away");
  a.remove("phone");
  EXPECT_TRUE(a.empty());
}

}  // namespace
}  // namespace junction::irc
