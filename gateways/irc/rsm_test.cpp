#include "gateways/irc/rsm.hpp"

#include "gateways/irc/irc_test_support.hpp"

#include <gtest/gtest.h>

namespace junction::irc::testing {
namespace {

// Ten items named "i0".."i9".
std::optional<std::size_t> position(std::string_view uid) {
  if (uid.size() != 2 || uid[0] != 'i' || uid[1] < '0' || uid[1] > '9') return std::nullopt;
  return static_cast<std::size_t>(uid[1] - '0');
}

RsmRequest request(const std::string& set_xml) {
  auto query = stanza("<iq type='get' id='q'><query xmlns='http://jabber.org/protocol/disco#items'>" + set_xml +
                      "</query></iq>");
  auto parsed = parse_rsm(*query.child("query"));
  EXPECT_TRUE(parsed && *parsed) << set_xml;
  return parsed && *parsed ? **parsed : RsmRequest{};
}

std::pair<std::size_t, std::size_t> window(const std::string& set_xml, std::size_t count = 10) {
  auto w = rsm_window(request(set_xml), count, 4, 6, position);
  EXPECT_TRUE(w) << set_xml;
  return w ? std::pair{w->begin, w->end} : std::pair<std::size_t, std::size_t>{99, 99};
}

const std::string ns = "<set xmlns='http://jabber.org/protocol/rsm'>";

TEST(Rsm, WindowsForwardBackwardAndByIndex) {
  EXPECT_EQ(window(ns + "</set>"), (std::pair<std::size_t, std::size_t>{0, 4})) << "default page";
  EXPECT_EQ(window(ns + "<max>100</max></set>"), (std::pair<std::size_t, std::size_t>{0, 6})) << "capped";
  EXPECT_EQ(window(ns + "<max>3</max><after>i2</after></set>"), (std::pair<std::size_t, std::size_t>{3, 6}));
  EXPECT_EQ(window(ns + "<max>3</max><after>i8</after></set>"), (std::pair<std::size_t, std::size_t>{9, 10}));
  EXPECT_EQ(window(ns + "<max>3</max><after>i9</after></set>"), (std::pair<std::size_t, std::size_t>{10, 10}));
  EXPECT_EQ(window(ns + "<max>3</max><before/></set>"), (std::pair<std::size_t, std::size_t>{7, 10})) << "last page";
  EXPECT_EQ(window(ns + "<max>3</max><before>i5</before></set>"), (std::pair<std::size_t, std::size_t>{2, 5}));
  EXPECT_EQ(window(ns + "<max>3</max><before>i1</before></set>"), (std::pair<std::size_t, std::size_t>{0, 1}));
  EXPECT_EQ(window(ns + "<max>2</max><index>7</index></set>"), (std::pair<std::size_t, std::size_t>{7, 9}));
  EXPECT_EQ(window(ns + "<index>70</index></set>"), (std::pair<std::size_t, std::size_t>{10, 10}));
  EXPECT_EQ(window(ns + "<max>0</max></set>"), (std::pair<std::size_t, std::size_t>{0, 0})) << "count only";
  EXPECT_EQ(window(ns + "</set>", 0), (std::pair<std::size_t, std::size_t>{0, 0}));
}

TEST(Rsm, UnknownUidAndBadNumbers) {
  auto w = rsm_window(request(ns + "<after>nope</after></set>"), 10, 4, 6, position);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().condition, "item-not-found");
  auto q = stanza("<iq type='get' id='q'><query xmlns='http://jabber.org/protocol/disco#items'>" + ns +
                  "<max>ten</max></set></query></iq>");
  auto parsed = parse_rsm(*q.child("query"));
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().condition, "bad-request");
  auto none = stanza("<iq type='get' id='q'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
  auto absent = parse_rsm(*none.child("query"));
  ASSERT_TRUE(absent);
  EXPECT_FALSE(*absent);
}

TEST(Rsm, AnswerSet) {
  auto set = rsm_set({2, 4}, 10, "i2", "i3");
  EXPECT_EQ(set.child("first")->attr_or("index"), "2");
  EXPECT_EQ(set.child_text("first"), "i2");
  EXPECT_EQ(set.child_text("last"), "i3");
  EXPECT_EQ(set.child_text("count"), "10");
  auto empty = rsm_set({10, 10}, 10, "", "");
  EXPECT_EQ(empty.child("first"), nullptr);
  EXPECT_EQ(empty.child_text("count"), "10");
}

}  // namespace
}  // namespace junction::irc::testing
