#pragma once
// The configuration file (DESIGN.md section 2): loading, checking, and the typed result.
// Every problem found carries the file and line an operator should look at, so
// `junction --check-config` can print them all at once instead of stopping at the first.
// Gateway-specific keys are checked by each kind's own validator (core/gateway.hpp); this
// file checks the global sections and the keys every gateway shares.
// Loading touches the gateway kind registry read-only; call it after kinds are registered.
#include "util/log.hpp"
#include "util/result.hpp"

#include <toml++/toml.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace junction::core {

// "host:port", or "[v6addr]:port". The host is kept without brackets.
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
  std::string str() const;  // back to "host:port" / "[v6]:port"
};

struct XmppConfig {
  std::string host;  // the XMPP server's component listener
  std::uint16_t port = 5347;
  // The XMPP server's own domain, where keep-alive pings go; nullopt lets the host derive it.
  std::optional<std::string> server_domain;
  std::chrono::seconds ping_interval{60};
  std::chrono::seconds ping_timeout{15};
  std::chrono::seconds reconnect_max{60};  // ceiling of the reconnect backoff
  std::size_t max_stanza_bytes = 262144;
  std::size_t max_depth = 64;  // XML nesting depth, counted by the stream parser
};

struct HttpConfig {
  std::optional<HostPort> listen = HostPort{"127.0.0.1", 8480};  // nullopt: `listen = ""`, no listener
  std::string public_url;  // without trailing slash; empty when not set
};

struct GatewayConfig {
  std::string name;  // NAME in [gateways.NAME]; also the webhook path segment
  std::string kind;
  std::string domain;  // lower-cased
  std::string secret;
  std::vector<std::string> user_domains;  // lower-cased; never empty
  toml::table table;  // the whole section, for the kind's own keys
  int line = 0;       // the section's line, for messages about it later
};

struct Config {
  std::string source_path;
  std::vector<std::string> admins;  // bare JIDs, lower-cased (as nodeprep/nameprep would for ASCII)
  XmppConfig xmpp;
  std::string storage_path;
  HttpConfig http;
  log::Level log_level = log::Level::info;
  std::vector<GatewayConfig> gateways;  // in file order
};

struct ConfigIssue {
  std::string file;
  int line = 0;  // 1-based; 0 when no line applies (the file can't be read)
  std::string message;
  bool fatal = true;  // false: a warning, the config still loads
};

struct LoadedConfig {
  std::optional<Config> config;     // set when no issue is fatal
  std::vector<ConfigIssue> issues;  // sorted by line; warnings may accompany a config
};

// Reads and checks the file. Never throws for anything the file contains.
LoadedConfig load_config(const std::string& path);
// The same for text already in memory; `source_path` names it in issues.
LoadedConfig parse_config(std::string_view text, const std::string& source_path);

// "FILE:LINE: message", or "FILE:LINE: warning: message" for a non-fatal issue.
std::string format_issue(const ConfigIssue& issue);

// Checks shared with the kinds' validators (an inbound_listen, an owner JID, a domain).
Result<HostPort> parse_host_port(std::string_view text);
bool looks_like_domain(std::string_view text);
bool looks_like_bare_jid(std::string_view text);  // node@domain, no resource

}  // namespace junction::core
