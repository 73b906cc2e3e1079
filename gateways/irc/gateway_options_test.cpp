#include "gateways/irc/gateway_options.hpp"

#include <gtest/gtest.h>

namespace junction::irc {
namespace {

std::vector<core::ConfigProblem> check(const char* text) { return validate_options(toml::parse(text)); }

TEST(GatewayOptions, ReadsNetworksAndDefaults) {
  auto o = read_options(toml::parse(R"(
fixed_network = "Libera"
[networks.libera]
host = "irc.libera.chat"
tls = true
encoding = "latin1"
flood_burst = 3
flood_interval_ms = 500
)"));
  ASSERT_EQ(o.networks.count("libera"), 1u);
  const auto& n = o.networks.at("libera");
  EXPECT_EQ(n.port, 6697);
  EXPECT_TRUE(n.tls);
  EXPECT_EQ(n.encoding, Fallback::latin1);
  EXPECT_EQ(n.flood_burst, 3);
  EXPECT_EQ(n.flood_interval.count(), 500);
  EXPECT_EQ(o.fixed_network, "libera");
  EXPECT_EQ(o.grace.count(), 30);
  EXPECT_TRUE(o.history_enabled);
  EXPECT_EQ(o.history_days, 30);
  EXPECT_FALSE(o.network("irc.example.net"));
  o.allow_any_server = true;
  auto any = o.network("irc.example.net");
  ASSERT_TRUE(any);
  EXPECT_EQ(any->host, "irc.example.net");
  EXPECT_FALSE(o.network("nodots"));
}

TEST(GatewayOptions, ProblemsCarryLines) {
  auto problems = check(R"(grace_seconds = "soon"
fixed_network = "nowhere"
[networks.libera]
port = 70000
encoding = "ebcdic"
colour = true
)");
  auto has = [&](int line, std::string_view text) {
    for (const auto& p : problems)
      if (p.line == line && p.message.find(text) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has(1, "grace_seconds"));
  EXPECT_TRUE(has(2, "fixed_network"));
  EXPECT_TRUE(has(3, "host is required"));
  EXPECT_TRUE(has(4, "port"));
  EXPECT_TRUE(has(5, "encoding"));
  EXPECT_TRUE(has(6, "unknown key"));
}

TEST(GatewayOptions, NeedsSomeNetwork) {
  auto problems = check("grace_seconds = 5\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 0);
  EXPECT_TRUE(check("allow_any_server = true\n").empty());
}

}  // namespace
}  // namespace junction::irc
