#include "gateways/irc/gateway_options.hpp"

#include <algorithm>
#include <cctype>

namespace junction::irc {
namespace {

const std::set<std::string> network_keys = {"host",          "port",          "tls",
                                            "verify",        "fingerprint",   "password",      "client_certificate",
                                            "encoding",      "flood_burst",   "flood_interval_ms",
                                            "connect_timeout_seconds", "ping_interval_seconds",
                                            "encoding_out",  "reconnect",     "reconnect_min_ms",
                                            "reconnect_max_ms", "reconnect_attempts"};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

int line_of(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

// A host name as it may appear in a JID node: letters, digits, dots and dashes.
bool plausible_host(const std::string& host) {
  if (host.empty() || host.size() > 253) return false;
  return std::all_of(host.begin(), host.end(), [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '-'; });
}

NetworkConfig read_network(const std::string& alias, const toml::table& t) {
  NetworkConfig n;
  n.alias = alias;
  n.host = t["host"].value_or(std::string());
  n.tls = t["tls"].value_or(false);
  n.port = static_cast<std::uint16_t>(t["port"].value_or<std::int64_t>(n.tls ? 6697 : 6667));
  n.verify = t["verify"].value_or(true);
  n.fingerprint = t["fingerprint"].value_or(std::string());
  n.client_certificate = t["client_certificate"].value_or(std::string());
  n.password = t["password"].value_or(std::string());
  if (auto fallback = parse_fallback(t["encoding"].value_or(std::string("cp1252")))) n.encoding = *fallback;
  n.flood_burst = static_cast<int>(t["flood_burst"].value_or<std::int64_t>(n.flood_burst));
  n.flood_interval = std::chrono::milliseconds(t["flood_interval_ms"].value_or<std::int64_t>(n.flood_interval.count()));
  n.connect_timeout = std::chrono::seconds(t["connect_timeout_seconds"].value_or<std::int64_t>(n.connect_timeout.count()));
  n.ping_interval = std::chrono::seconds(t["ping_interval_seconds"].value_or<std::int64_t>(n.ping_interval.count()));
  if (auto out = parse_out_encoding(t["encoding_out"].value_or(std::string("utf-8")))) n.encoding_out = *out;
  n.reconnect = t["reconnect"].value_or(n.reconnect);
  n.reconnect_min = std::chrono::milliseconds(t["reconnect_min_ms"].value_or<std::int64_t>(n.reconnect_min.count()));
  n.reconnect_max = std::chrono::milliseconds(t["reconnect_max_ms"].value_or<std::int64_t>(n.reconnect_max.count()));
  n.reconnect_max = std::max(n.reconnect_max, n.reconnect_min);
  n.reconnect_attempts = static_cast<int>(t["reconnect_attempts"].value_or<std::int64_t>(n.reconnect_attempts));
  return n;
}

void check_type(std::vector<core::ConfigProblem>& out, const toml::table& t, const char* key, bool want_string,
                bool want_bool, bool want_int, std::int64_t min = 0, std::int64_t max = 0) {
  auto node = t[key];
  if (!node) return;
  const int line = line_of(*node.node());
  if (want_string && !node.is_string()) out.push_back({line, std::string(key) + " must be a string"});
  if (want_bool && !node.is_boolean()) out.push_back({line, std::string(key) + " must be true or false"});
  if (want_int) {
    if (!node.is_integer()) {
      out.push_back({line, std::string(key) + " must be an integer"});
    } else if (auto v = *node.value<std::int64_t>(); v < min || v > max) {
      out.push_back({line, std::string(key) + " must be between " + std::to_string(min) + " and " + std::to_string(max)});
    }
  }
}

void validate_network(std::vector<core::ConfigProblem>& out, const std::string& alias, const toml::table& t,
                      int table_line) {
  if (!plausible_host(alias) || alias != lower(alias))
    out.push_back({table_line, "network alias \"" + alias + "\" must be lower-case letters, digits, '.' or '-'"});
  if (!t["host"]) out.push_back({table_line, "networks." + alias + ": host is required"});
  check_type(out, t, "host", true, false, false);
  if (auto host = t["host"].value<std::string>(); host && !plausible_host(*host))
    out.push_back({line_of(*t["host"].node()), "networks." + alias + ": host \"" + *host + "\" is not a host name"});
  check_type(out, t, "port", false, false, true, 1, 65535);
  check_type(out, t, "tls", false, true, false);
  check_type(out, t, "verify", false, true, false);
  check_type(out, t, "fingerprint", true, false, false);
  check_type(out, t, "client_certificate", true, false, false);
  if (t["client_certificate"] && !t["tls"].value_or(false))
    out.push_back({line_of(*t["client_certificate"].node()), "networks." + alias + ": client_certificate needs tls = true"});
  check_type(out, t, "password", true, false, false);
  check_type(out, t, "encoding", true, false, false);
  if (auto enc = t["encoding"].value<std::string>(); enc && !parse_fallback(*enc))
    out.push_back({line_of(*t["encoding"].node()), "networks." + alias + ": encoding must be cp1252 or latin1"});
  check_type(out, t, "flood_burst", false, false, true, 1, 1000);
  check_type(out, t, "flood_interval_ms", false, false, true, 0, 600000);
  check_type(out, t, "connect_timeout_seconds", false, false, true, 1, 600);
  check_type(out, t, "ping_interval_seconds", false, false, true, 5, 3600);
  check_type(out, t, "encoding_out", true, false, false);
  if (auto enc = t["encoding_out"].value<std::string>(); enc && !parse_out_encoding(*enc))
    out.push_back({line_of(*t["encoding_out"].node()),
                   "networks." + alias + ": encoding_out must be utf-8, cp1252 or latin1"});
  check_type(out, t, "reconnect", false, true, false);
  check_type(out, t, "reconnect_min_ms", false, false, true, 10, 3600000);
  check_type(out, t, "reconnect_max_ms", false, false, true, 10, 86400000);
  check_type(out, t, "reconnect_attempts", false, false, true, 0, 1000000);
  auto min_ms = t["reconnect_min_ms"].value<std::int64_t>(), max_ms = t["reconnect_max_ms"].value<std::int64_t>();
  if (min_ms && max_ms && *max_ms < *min_ms)
    out.push_back({line_of(*t["reconnect_max_ms"].node()),
                   "networks." + alias + ": reconnect_max_ms is below reconnect_min_ms"});
  for (const auto& [key, node] : t)
    if (!network_keys.count(std::string(key.str())))
      out.push_back({line_of(node), "networks." + alias + ": unknown key \"" + std::string(key.str()) + "\"", false});
}

}  // namespace

std::optional<NetworkConfig> GatewayOptions::network(const std::string& server) const {
  auto key = lower(server);
  if (auto it = networks.find(key); it != networks.end()) return it->second;
  if (!allow_any_server || !plausible_host(key) || key.find('.') == std::string::npos) return std::nullopt;
  NetworkConfig ad_hoc;
  ad_hoc.alias = key;
  ad_hoc.host = key;
  return ad_hoc;
}

GatewayOptions read_options(const toml::table& section) {
  GatewayOptions o;
  if (const auto* networks = section["networks"].as_table())
    for (const auto& [key, node] : *networks)
      if (const auto* t = node.as_table()) o.networks.emplace(lower(std::string(key.str())), read_network(lower(std::string(key.str())), *t));
  o.fixed_network = lower(section["fixed_network"].value_or(std::string()));
  o.allow_any_server = section["allow_any_server"].value_or(false);
  o.grace = std::chrono::seconds(section["grace_seconds"].value_or<std::int64_t>(30));
  o.history_enabled = section["history_enabled"].value_or(true);
  o.history_days = static_cast<int>(section["history_days"].value_or<std::int64_t>(30));
  o.history_on_join = static_cast<int>(section["history_on_join"].value_or<std::int64_t>(20));
  o.default_realname = section["realname"].value_or(o.default_realname);
  return o;
}

std::vector<core::ConfigProblem> validate_options(const toml::table& section) {
  std::vector<core::ConfigProblem> out;
  check_type(out, section, "fixed_network", true, false, false);
  check_type(out, section, "allow_any_server", false, true, false);
  check_type(out, section, "grace_seconds", false, false, true, 0, 86400);
  check_type(out, section, "history_enabled", false, true, false);
  check_type(out, section, "history_days", false, false, true, 0, 36500);
  check_type(out, section, "history_on_join", false, false, true, 0, 1000);
  check_type(out, section, "realname", true, false, false);
  auto networks = section["networks"];
  if (networks && !networks.is_table()) {
    out.push_back({line_of(*networks.node()), "networks must be a table of [networks.ALIAS] tables"});
  } else if (const auto* table = networks.as_table()) {
    for (const auto& [key, node] : *table) {
      if (const auto* t = node.as_table())
        validate_network(out, std::string(key.str()), *t, line_of(node));
      else
        out.push_back({line_of(node), "networks." + std::string(key.str()) + " must be a table"});
    }
  }
  const bool any_server = section["allow_any_server"].value_or(false);
  const bool have_networks = networks.as_table() && !networks.as_table()->empty();
  if (!have_networks && !any_server)
    out.push_back({0, "no IRC network: add a [networks.ALIAS] table or set allow_any_server = true"});
  if (auto fixed = section["fixed_network"].value<std::string>()) {
    const bool known = networks.as_table() && networks.as_table()->contains(*fixed);
    if (!known)
      out.push_back({line_of(*section["fixed_network"].node()),
                     "fixed_network \"" + *fixed + "\" names no [networks." + *fixed + "] table"});
  }
  return out;
}

std::set<std::string> option_keys() {
  return {"networks",      "fixed_network",   "allow_any_server", "grace_seconds",
          "history_enabled", "history_days",  "history_on_join",  "realname"};
}

}  // namespace junction::irc
