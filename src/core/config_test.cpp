#include "core/config.hpp"

#include "core/gateway.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace junction::core {
namespace {

// A kind for these tests only, so the config code is exercised without real gateways.
// Its validator wants `network` to be a string and reports a table-level problem when
// `broken = true`, to check both line mappings.
void register_test_kind() {
  static bool done = false;
  if (done) return;
  done = true;
  GatewayKind kind;
  kind.kind = "testkind";
  kind.keys = {"network", "broken", "prefix"};
  kind.validate = [](const toml::table& t) {
    std::vector<ConfigProblem> problems;
    if (const toml::node* n = t.get("network"); n && !n->is_string())
      problems.push_back({static_cast<int>(n->source().begin.line), "network must be a string", true});
    if (t["broken"].value_or(false)) problems.push_back({0, "this gateway is broken", true});
    if (t["prefix"].value_or(std::string()) == "loud") problems.push_back({0, "prefix is loud", false});
    return problems;
  };
  register_gateway_kind(std::move(kind));
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { register_test_kind(); }
  void TearDown() override {
    for (const auto& p : files_) std::filesystem::remove(p);
  }

  std::string write(const std::string& text) {
    static std::atomic<int> counter{0};
    auto path = std::filesystem::temp_directory_path() /
                ("junction_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".toml");
    std::ofstream(path) << text;
    files_.push_back(path);
    return path.string();
  }

  LoadedConfig load(const std::string& text) { return load_config(write(text)); }

 private:
  std::vector<std::filesystem::path> files_;
};

// Lines are numbered for the expectations below: keep the layout stable.
constexpr const char* minimal =
    "[xmpp]\n"                       // 1
    "host = \"127.0.0.1\"\n"         // 2
    "port = 5347\n"                  // 3
    "[storage]\n"                    // 4
    "path = \"/tmp/j.db\"\n"         // 5
    "[gateways.t]\n"                 // 6
    "kind = \"testkind\"\n"          // 7
    "domain = \"t.example.org\"\n"   // 8
    "secret = \"s\"\n";              // 9

const ConfigIssue* find_issue(const LoadedConfig& loaded, std::string_view needle) {
  for (const auto& issue : loaded.issues)
    if (issue.message.find(needle) != std::string::npos) return &issue;
  return nullptr;
}

std::string all_issues(const LoadedConfig& loaded) {
  std::string out;
  for (const auto& issue : loaded.issues) out += format_issue(issue) + "\n";
  return out;
}

TEST_F(ConfigTest, FullValidConfig) {
  auto loaded = load(R"(admins = ["Admin@Example.org", "ops@example.org"]

[xmpp]
host = "xmpp.internal"
port = 5348
server_domain = "example.org"
ping_interval_seconds = 30
ping_timeout_seconds = 5
reconnect_max_seconds = 120
max_stanza_bytes = 65536
max_depth = 32

[storage]
path = "/var/lib/junction/junction.db"

[http]
listen = "[::1]:9000"
public_url = "https://gw.example.org/"

[log]
level = "debug"

[gateways.first]
kind = "testkind"
domain = "First.Example.org"
secret = "one"
user_domains = ["example.org", "example.net"]
network = "libera"

[gateways.second]
kind = "testkind"
domain = "second.example.org"
secret = "two"
[gateways.second.extra]
ignored = true
)");
  ASSERT_TRUE(loaded.config) << all_issues(loaded);
  const Config& c = *loaded.config;
  EXPECT_EQ(c.admins, (std::vector<std::string>{"admin@example.org", "ops@example.org"}));
  EXPECT_EQ(c.xmpp.host, "xmpp.internal");
  EXPECT_EQ(c.xmpp.port, 5348);
  EXPECT_EQ(c.xmpp.server_domain, "example.org");
  EXPECT_EQ(c.xmpp.ping_interval, std::chrono::seconds(30));
  EXPECT_EQ(c.xmpp.ping_timeout, std::chrono::seconds(5));
  EXPECT_EQ(c.xmpp.reconnect_max, std::chrono::seconds(120));
  EXPECT_EQ(c.xmpp.max_stanza_bytes, 65536u);
  EXPECT_EQ(c.xmpp.max_depth, 32u);
  EXPECT_EQ(c.storage_path, "/var/lib/junction/junction.db");
  ASSERT_TRUE(c.http.listen);
  EXPECT_EQ(c.http.listen->host, "::1");
  EXPECT_EQ(c.http.listen->port, 9000);
  EXPECT_EQ(c.http.listen->str(), "[::1]:9000");
  EXPECT_EQ(c.http.public_url, "https://gw.example.org");
  EXPECT_EQ(c.log_level, log::Level::debug);
  ASSERT_EQ(c.gateways.size(), 2u);
  EXPECT_EQ(c.gateways[0].name, "first");
  EXPECT_EQ(c.gateways[0].kind, "testkind");
  EXPECT_EQ(c.gateways[0].domain, "first.example.org");
  EXPECT_EQ(c.gateways[0].secret, "one");
  EXPECT_EQ(c.gateways[0].user_domains, (std::vector<std::string>{"example.org", "example.net"}));
  EXPECT_EQ(c.gateways[0].table["network"].value_or(std::string()), "libera");
  EXPECT_EQ(c.gateways[0].line, 23);
  EXPECT_EQ(c.gateways[1].name, "second");
  EXPECT_EQ(c.gateways[1].line, 30);
  // "extra" is unknown to the test kind: a warning, not a failure.
  const ConfigIssue* extra = find_issue(loaded, "gateways.second.extra");
  ASSERT_NE(extra, nullptr);
  EXPECT_FALSE(extra->fatal);
}

TEST_F(ConfigTest, DefaultsAndDefaultUserDomains) {
  auto loaded = load(minimal);
  ASSERT_TRUE(loaded.config) << all_issues(loaded);
  EXPECT_TRUE(loaded.issues.empty()) << all_issues(loaded);
  const Config& c = *loaded.config;
  EXPECT_TRUE(c.admins.empty());
  EXPECT_FALSE(c.xmpp.server_domain);
  EXPECT_EQ(c.xmpp.ping_interval, std::chrono::seconds(60));
  EXPECT_EQ(c.xmpp.ping_timeout, std::chrono::seconds(15));
  EXPECT_EQ(c.xmpp.reconnect_max, std::chrono::seconds(60));
  EXPECT_EQ(c.xmpp.max_stanza_bytes, 262144u);
  EXPECT_EQ(c.xmpp.max_depth, 64u);
  ASSERT_TRUE(c.http.listen);
  EXPECT_EQ(c.http.listen->str(), "127.0.0.1:8480");
  EXPECT_EQ(c.http.public_url, "");
  EXPECT_EQ(c.log_level, log::Level::info);
  ASSERT_EQ(c.gateways.size(), 1u);
  EXPECT_EQ(c.gateways[0].user_domains, (std::vector<std::string>{"example.org"}));
  EXPECT_EQ(c.source_path.empty(), false);
}

TEST_F(ConfigTest, EmptyListenDisablesHttp) {
  auto loaded = load(std::string(minimal) + "[http]\nlisten = \"\"\n");
  ASSERT_TRUE(loaded.config) << all_issues(loaded);
  EXPECT_FALSE(loaded.config->http.listen);
}

TEST_F(ConfigTest, ParseErrorHasItsLine) {
  auto loaded = load("[xmpp]\nhost = \"a\"\nport = = 3\n");
  EXPECT_FALSE(loaded.config);
  ASSERT_EQ(loaded.issues.size(), 1u);
  EXPECT_EQ(loaded.issues[0].line, 3);
  EXPECT_TRUE(loaded.issues[0].fatal);
}

TEST_F(ConfigTest, UnreadableFile) {
  auto loaded = load_config("/nonexistent/junction.toml");
  EXPECT_FALSE(loaded.config);
  ASSERT_EQ(loaded.issues.size(), 1u);
  EXPECT_EQ(loaded.issues[0].line, 0);
  EXPECT_EQ(format_issue(loaded.issues[0]).rfind("/nonexistent/junction.toml: cannot read", 0), 0u);
}

TEST_F(ConfigTest, MissingKeyReportedAtItsTable) {
  std::string text = minimal;
  text.replace(text.find("port = 5347\n"), 12, "");
  auto loaded = load(text);
  EXPECT_FALSE(loaded.config);
  const ConfigIssue* issue = find_issue(loaded, "missing required key xmpp.port");
  ASSERT_NE(issue, nullptr) << all_issues(loaded);
  EXPECT_EQ(issue->line, 1);

  auto no_secret = load(std::string(minimal).substr(0, std::string(minimal).find("secret")));
  issue = find_issue(no_secret, "missing required key gateways.t.secret");
  ASSERT_NE(issue, nullptr) << all_issues(no_secret);
  EXPECT_EQ(issue->line, 6);
}

TEST_F(ConfigTest, MissingTableReportedAtLineOne) {
  auto loaded = load("\n\n[xmpp]\nhost = \"h\"\nport = 1\n[gateways.t]\nkind = \"testkind\"\n"
                     "domain = \"t.example.org\"\nsecret = \"s\"\n");
  EXPECT_FALSE(loaded.config);
  const ConfigIssue* issue = find_issue(loaded, "[storage]");
  ASSERT_NE(issue, nullptr) << all_issues(loaded);
  EXPECT_EQ(issue->line, 1);

  auto empty = load("");
  EXPECT_FALSE(empty.config);
  EXPECT_NE(find_issue(empty, "[xmpp]"), nullptr);
  EXPECT_NE(find_issue(empty, "no gateways configured"), nullptr);
}

TEST_F(ConfigTest, MistypedKeyIsFatalAtItsLine) {
  std::string text = minimal;
  text.replace(text.find("port = 5347"), 11, "port = \"5347\"");
  auto loaded = load(text);
  EXPECT_FALSE(loaded.config);
  ASSERT_EQ(loaded.issues.size(), 1u) << all_issues(loaded);
  EXPECT_EQ(loaded.issues[0].line, 3);
  EXPECT_TRUE(loaded.issues[0].fatal);
  EXPECT_EQ(format_issue(loaded.issues[0]), loaded.issues[0].file + ":3: xmpp.port must be an integer, not a string");

  auto admins = load(std::string("admins = [\n  \"a@example.org\",\n  42,\n]\n") + minimal);
  const ConfigIssue* issue = find_issue(admins, "admins[1]");
  ASSERT_NE(issue, nullptr) << all_issues(admins);
  EXPECT_EQ(issue->line, 3);
}

TEST_F(ConfigTest, ValueChecks) {
  struct Case {
    std::string prefix;  // put before `minimal`, so the offending key is on line `line`
    int line;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"admins = [\"admin@example.org/phone\"]\n", 1, "not a bare JID"},
      {"admins = [\"example.org\"]\n", 1, "not a bare JID"},
      {"[log]\nlevel = \"verbose\"\n", 2, "log.level must be one of"},
      {"[http]\nlisten = \"8480\"\n", 2, "http.listen"},
      {"[http]\nlisten = \"::1:8480\"\n", 2, "needs brackets"},
      {"[http]\nlisten = \"127.0.0.1:99999\"\n", 2, "port must be"},
      {"[http]\npublic_url = \"gw.example.org\"\n", 2, "http.public_url must be"},
      {"[http]\npublic_url = \"ftp://gw.example.org\"\n", 2, "http.public_url must be"},
  };
  for (const auto& c : cases) {
    auto loaded = load(c.prefix + minimal);
    EXPECT_FALSE(loaded.config) << c.prefix;
    const ConfigIssue* issue = find_issue(loaded, c.expect);
    ASSERT_NE(issue, nullptr) << c.prefix << all_issues(loaded);
    EXPECT_EQ(issue->line, c.line) << c.prefix;
    EXPECT_TRUE(issue->fatal);
  }

  std::string text = minimal;
  text.replace(text.find("port = 5347"), 11, "port = 70000");
  auto port = load(text);
  const ConfigIssue* issue = find_issue(port, "xmpp.port must be between 1 and 65535");
  ASSERT_NE(issue, nullptr) << all_issues(port);
  EXPECT_EQ(issue->line, 3);
}

TEST_F(ConfigTest, UnknownKeysWarnButLoad) {
  auto loaded = load(std::string("colour = \"blue\"\n") + minimal + "netwrok = \"x\"\n");
  ASSERT_TRUE(loaded.config) << all_issues(loaded);
  ASSERT_EQ(loaded.issues.size(), 2u) << all_issues(loaded);
  EXPECT_EQ(loaded.issues[0].line, 1);
  EXPECT_FALSE(loaded.issues[0].fatal);
  EXPECT_EQ(loaded.issues[1].line, 11);
  EXPECT_FALSE(loaded.issues[1].fatal);
  EXPECT_EQ(format_issue(loaded.issues[1]),
            loaded.issues[1].file + ":11: warning: unknown key gateways.t.netwrok (ignored)");

  std::string text = minimal;
  text.insert(text.find("port = 5347"), "prot = 1\n");
  auto in_xmpp = load(text);
  ASSERT_TRUE(in_xmpp.config);
  const ConfigIssue* issue = find_issue(in_xmpp, "xmpp.prot");
  ASSERT_NE(issue, nullptr);
  EXPECT_EQ(issue->line, 3);
}

TEST_F(ConfigTest, UnknownKindIsFatalAndListsKnownKinds) {
  std::string text = minimal;
  text.replace(text.find("\"testkind\""), 10, "\"carrier-pigeon\"");
  auto loaded = load(text);
  EXPECT_FALSE(loaded.config);
  const ConfigIssue* issue = find_issue(loaded, "unknown gateway kind \"carrier-pigeon\"");
  ASSERT_NE(issue, nullptr) << all_issues(loaded);
  EXPECT_EQ(issue->line, 7);
  EXPECT_NE(issue->message.find("testkind"), std::string::npos);
}

TEST_F(ConfigTest, KindValidatorProblemsMapLines) {
  auto loaded = load(std::string(minimal) + "network = 5\nbroken = true\n");
  EXPECT_FALSE(loaded.config);
  const ConfigIssue* network = find_issue(loaded, "network must be a string");
  ASSERT_NE(network, nullptr) << all_issues(loaded);
  EXPECT_EQ(network->line, 10);
  const ConfigIssue* broken = find_issue(loaded, "this gateway is broken");
  ASSERT_NE(broken, nullptr);
  EXPECT_EQ(broken->line, 6);
  EXPECT_EQ(broken->message, "gateways.t: this gateway is broken");

  auto warned = load(std::string(minimal) + "prefix = \"loud\"\n");
  ASSERT_TRUE(warned.config) << all_issues(warned);
  ASSERT_EQ(warned.issues.size(), 1u);
  EXPECT_FALSE(warned.issues[0].fatal);
}

TEST_F(ConfigTest, TwoGatewaysOfOneKind) {
  auto loaded = load(std::string(minimal) +
                     "[gateways.other]\nkind = \"testkind\"\ndomain = \"t2.example.net\"\nsecret = \"x\"\n");
  ASSERT_TRUE(loaded.config) << all_issues(loaded);
  ASSERT_EQ(loaded.config->gateways.size(), 2u);
  EXPECT_EQ(loaded.config->gateways[0].name, "t");
  EXPECT_EQ(loaded.config->gateways[1].name, "other");
  EXPECT_EQ(loaded.config->gateways[1].user_domains, (std::vector<std::string>{"example.net"}));
}

TEST_F(ConfigTest, DuplicateDomainIsFatal) {
  auto loaded = load(std::string(minimal) +
                     "[gateways.again]\nkind = \"testkind\"\ndomain = \"T.example.org\"\nsecret = \"x\"\n");
  EXPECT_FALSE(loaded.config);
  const ConfigIssue* issue = find_issue(loaded, "already the domain of gateways.t (line 8)");
  ASSERT_NE(issue, nullptr) << all_issues(loaded);
  EXPECT_EQ(issue->line, 12);
}

TEST_F(ConfigTest, GatewaySectionChecks) {
  auto single_label = load(std::string(minimal).replace(std::string(minimal).find("t.example.org"), 13, "localhost"));
  const ConfigIssue* issue = find_issue(single_label, "single label");
  ASSERT_NE(issue, nullptr) << all_issues(single_label);
  EXPECT_EQ(issue->line, 8);

  auto bad_name = load(std::string(minimal).replace(std::string(minimal).find("[gateways.t]"), 12,
                                                    "[gateways.\"a b\"]"));
  issue = find_issue(bad_name, "gateway name");
  ASSERT_NE(issue, nullptr) << all_issues(bad_name);
  EXPECT_EQ(issue->line, 6);

  auto empty_users = load(std::string(minimal) + "user_domains = []\n");
  issue = find_issue(empty_users, "user_domains is empty");
  ASSERT_NE(issue, nullptr) << all_issues(empty_users);
  EXPECT_EQ(issue->line, 10);
}

TEST(ConfigHelpers, HostPortAndJids) {
  EXPECT_EQ(parse_host_port("localhost:1")->str(), "localhost:1");
  EXPECT_FALSE(parse_host_port(":80"));
  EXPECT_FALSE(parse_host_port("host:"));
  EXPECT_FALSE(parse_host_port("host:0"));
  EXPECT_FALSE(parse_host_port("[::1]8480"));
  EXPECT_TRUE(looks_like_bare_jid("a@b"));
  EXPECT_FALSE(looks_like_bare_jid("@b"));
  EXPECT_FALSE(looks_like_bare_jid("a@b/c"));
  EXPECT_FALSE(looks_like_bare_jid("a@@b"));
  EXPECT_FALSE(looks_like_domain("a..b"));
  EXPECT_FALSE(looks_like_domain(".a"));
  EXPECT_TRUE(looks_like_domain("irc.example.org"));
}

TEST(ConfigFormat, Issues) {
  EXPECT_EQ(format_issue({"f.toml", 4, "bad", true}), "f.toml:4: bad");
  EXPECT_EQ(format_issue({"f.toml", 4, "odd", false}), "f.toml:4: warning: odd");
  EXPECT_EQ(format_issue({"f.toml", 0, "gone", true}), "f.toml: gone");
}

}  // namespace
}  // namespace junction::core
