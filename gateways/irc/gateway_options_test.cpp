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

TEST(GatewayOptions, ReconnectAndOutgoingEncoding) {
  auto o = read_options(toml::parse(R"(
[networks.old]
host = "irc.old.example"
encoding_out = "latin1"
reconnect_min_ms = 500
reconnect_max_ms = 8000
reconnect_attempts = 4
[networks.plain]
host = "irc.plain.example"
reconnect = false
)"));
  const auto& old = o.networks.at("old");
  EXPECT_EQ(old.encoding_out, OutEncoding::latin1);
  EXPECT_TRUE(old.reconnect);
  EXPECT_EQ(old.reconnect_min.count(), 500);
  EXPECT_EQ(old.reconnect_max.count(), 8000);
  EXPECT_EQ(old.reconnect_attempts, 4);
  const auto& plain = o.networks.at("plain");
  EXPECT_EQ(plain.encoding_out, OutEncoding::utf8);
  EXPECT_FALSE(plain.reconnect);
  EXPECT_EQ(plain.reconnect_min.count(), 2000);
  EXPECT_EQ(plain.reconnect_max.count(), 300000);
  EXPECT_EQ(plain.reconnect_attempts, 0);

  auto problems = check(R"([networks.x]
host = "irc.x.example"
encoding_out = "koi8-r"
reconnect_min_ms = 9000
reconnect_max_ms = 1000
reconnect = "yes"
)");
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].line, 3);
  EXPECT_NE(problems[0].message.find("encoding_out"), std::string::npos);
  EXPECT_EQ(problems[1].line, 6);
  EXPECT_EQ(problems[2].line, 5);
  EXPECT_NE(problems[2].message.find("reconnect_max_ms"), std::string::npos);
}

TEST(GatewayOptions, NeedsSomeNetwork) {
  auto problems = check("grace_seconds = 5\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 0);
  EXPECT_TRUE(check("allow_any_server = true\n").empty());
}

TEST(GatewayOptions, ClientCertificateNeedsTls) {
  auto o = read_options(toml::parse(R"(
[networks.v3]
host = "irc.example.net"
tls = true
client_certificate = "/etc/junction/irc.pem"
)"));
  EXPECT_EQ(o.networks.at("v3").client_certificate, "/etc/junction/irc.pem");
  EXPECT_TRUE(check("[networks.v3]\nhost = \"a.b\"\ntls = true\nclient_certificate = \"/x.pem\"\n").empty());
  auto problems = check("[networks.v3]\nhost = \"a.b\"\nclient_certificate = \"/x.pem\"\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 3);
  EXPECT_NE(problems[0].message.find("tls"), std::string::npos);
}

}  // namespace
}  // namespace junction::irc
