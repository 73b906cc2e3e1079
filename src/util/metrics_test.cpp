#include "util/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

namespace junction {
namespace {

TEST(Metrics, RendersHelpTypeAndValue) {
  Metrics m;
  m.counter("junction_stanzas_total", "Stanzas handled").inc(3);
  EXPECT_EQ(m.render(),
            "# HELP junction_stanzas_total Stanzas handled\n"
            "# TYPE junction_stanzas_total counter\n"
            "junction_stanzas_total 3\n");
}

TEST(Metrics, SameNameAndLabelsIsTheSameSeries) {
  Metrics m;
  Counter& a = m.counter("c_total", "help", {{"gateway", "sms"}});
  Counter& b = m.counter("c_total", "other help is ignored", {{"gateway", "sms"}});
  Counter& c = m.counter("c_total", "help", {{"gateway", "irc"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &c);
  a.inc();
  b.inc(2);
  EXPECT_EQ(a.value(), 3u);
  EXPECT_EQ(m.render(),
            "# HELP c_total help\n"
            "# TYPE c_total counter\n"
            "c_total{gateway=\"irc\"} 0\n"
            "c_total{gateway=\"sms\"} 3\n");
}

TEST(Metrics, LabelOrderDoesNotMatter) {
  Metrics m;
  Gauge& a = m.gauge("g", "h", {{"b", "2"}, {"a", "1"}});
  Gauge& b = m.gauge("g", "h", {{"a", "1"}, {"b", "2"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(m.render().find("g{a=\"1\",b=\"2\"} 0\n"), std::string::npos);
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
  Metrics m;
  m.gauge("g", "line one\nback\\slash \"quoted\"", {{"path", "C:\\dir\n\"x\""}}).set(1);
  EXPECT_EQ(m.render(),
            "# HELP g line one\\nback\\\\slash \"quoted\"\n"
            "# TYPE g gauge\n"
            "g{path=\"C:\\\\dir\\n\\\"x\\\"\"} 1\n");
}

TEST(Metrics, FormatsDoubles) {
  auto line = [&](double v) {
    Metrics local;
    local.gauge("g", "h").set(v);
    std::string text = local.render();
    auto start = text.rfind("g ");
    return text.substr(start + 2, text.size() - start - 3);
  };
  EXPECT_EQ(line(0), "0");
  EXPECT_EQ(line(42), "42");
  EXPECT_EQ(line(-1.5), "-1.5");
  EXPECT_EQ(line(0.0125), "0.0125");
  EXPECT_EQ(line(1e-7), "1e-07");
  EXPECT_EQ(line(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(line(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(line(std::nan("")), "NaN");
  EXPECT_EQ(std::stod(line(0.1 + 0.2)), 0.1 + 0.2);
}

TEST(Metrics, FamiliesAreSortedByName) {
  Metrics m;
  m.gauge("zeta", "z");
  m.counter("alpha_total", "a");
  std::string text = m.render();
  EXPECT_LT(text.find("alpha_total"), text.find("zeta"));
}

TEST(Metrics, KindMismatchAndBadNamesThrow) {
  Metrics m;
  m.counter("x_total", "h");
  EXPECT_THROW(m.gauge("x_total", "h"), std::logic_error);
  EXPECT_THROW(m.counter("1bad", "h"), std::invalid_argument);
  EXPECT_THROW(m.counter("bad-name", "h"), std::invalid_argument);
  EXPECT_THROW(m.counter("ok", "h", {{"bad-label", "v"}}), std::invalid_argument);
  EXPECT_THROW(m.counter("ok", "h", {{"__reserved", "v"}}), std::invalid_argument);
  EXPECT_THROW(m.counter("ok", "h", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
  EXPECT_NO_THROW(m.counter("ns:ok_total", "h", {{"_a1", "v"}}));
}

TEST(Gauge, SetAndAdd) {
  Gauge g;
  g.set(2.5);
  g.add(-1);
  EXPECT_DOUBLE_EQ(g.value(), 1.5);
}

TEST(Gauge, ConcurrentAddsAreNotLost) {
  Gauge g;
  Counter c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        g.add(1);
        c.inc();
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_DOUBLE_EQ(g.value(), 40000);
  EXPECT_EQ(c.value(), 40000u);
}

TEST(Metrics, ConcurrentRegistrationAndRender) {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        m.counter("c_total", "h", {{"n", std::to_string(i % 10)}}).inc();
        if (t == 0) (void)m.render();
      }
    });
  for (auto& t : threads) t.join();
  std::uint64_t sum = 0;
  for (int i = 0; i < 10; ++i) sum += m.counter("c_total", "h", {{"n", std::to_string(i)}}).value();
  EXPECT_EQ(sum, 800u);
}

}  // namespace
}  // namespace junction
