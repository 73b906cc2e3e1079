#include "core/config.hpp"

#include "core/gateway.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>
#include <utility>

namespace junction::core {
namespace {

template <class T>
struct At {
  T value;
  int line = 0;
};

int line_of(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

std::string_view type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

// Domains and JIDs compare case-insensitively once prepared; lower-casing here keeps later
// comparisons (user_domains against a sender's prepared domain) a plain string match.
std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string join(std::string_view prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
}

bool has_space_or_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

// Collects the issues of one file and reads typed values, reporting each mistake at its line.
class Checker {
 public:
  explicit Checker(std::string file) : file_(std::move(file)) {}

  void fatal(int line, std::string message) { issues_.push_back({file_, line, std::move(message), true}); }
  void warn(int line, std::string message) { issues_.push_back({file_, line, std::move(message), false}); }

  bool has_fatal() const {
    return std::any_of(issues_.begin(), issues_.end(), [](const ConfigIssue& i) { return i.fatal; });
  }

  std::vector<ConfigIssue> take_issues() {
    std::stable_sort(issues_.begin(), issues_.end(),
                     [](const ConfigIssue& a, const ConfigIssue& b) { return a.line < b.line; });
    return std::move(issues_);
  }

  void mistyped(const toml::node& node, const std::string& path, std::string_view expected) {
    fatal(line_of(node), path + " must be " + std::string(expected) + ", not " + std::string(type_name(node.type())));
  }

  // The following return nullopt/nullptr both when the key is absent and when it has the
  // wrong type; the latter is already reported.
  const toml::table* table(const toml::table& parent, std::string_view key, const std::string& path) {
    const toml::node* node = parent.get(key);
    if (!node) return nullptr;
    if (!node->is_table()) {
      mistyped(*node, path, "a table");
      return nullptr;
    }
    return node->as_table();
  }

  std::optional<At<std::string>> string(const toml::table& t, std::string_view key, const std::string& path) {
    const toml::node* node = t.get(key);
    if (!node) return std::nullopt;
    if (!node->is_string()) {
      mistyped(*node, path, "a string");
      return std::nullopt;
    }
    return At<std::string>{node->as_string()->get(), line_of(*node)};
  }

  std::optional<At<std::int64_t>> integer(const toml::table& t, std::string_view key, const std::string& path,
                                          std::int64_t min, std::int64_t max) {
    const toml::node* node = t.get(key);
    if (!node) return std::nullopt;
    if (!node->is_integer()) {
      mistyped(*node, path, "an integer");
      return std::nullopt;
    }
    auto value = node->as_integer()->get();
    if (value < min || value > max) {
      fatal(line_of(*node), path + " must be between " + std::to_string(min) + " and " + std::to_string(max) +
                                ", not " + std::to_string(value));
      return std::nullopt;
    }
    return At<std::int64_t>{value, line_of(*node)};
  }

  std::optional<At<std::vector<At<std::string>>>> strings(const toml::table& t, std::string_view key,
                                                          const std::string& path) {
    const toml::node* node = t.get(key);
    if (!node) return std::nullopt;
    if (!node->is_array()) {
      mistyped(*node, path, "an array of strings");
      return std::nullopt;
    }
    At<std::vector<At<std::string>>> out{{}, line_of(*node)};
    const auto& array = *node->as_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      const toml::node& element = array[i];
      if (!element.is_string()) {
        mistyped(element, path + "[" + std::to_string(i) + "]", "a string");
        continue;
      }
      out.value.push_back({element.as_string()->get(), line_of(element)});
    }
    return out;
  }

  void missing(int table_line, const std::string& path) { fatal(table_line, "missing required key " + path); }

  void unknown_keys(const toml::table& t, std::string_view prefix, const std::set<std::string, std::less<>>& known) {
    for (auto&& [key, node] : t)
      if (!known.contains(key.str()))
        warn(static_cast<int>(key.source().begin.line), "unknown key " + join(prefix, key.str()) + " (ignored)");
  }

 private:
  std::string file_;
  std::vector<ConfigIssue> issues_;
};

void check_admins(const toml::table& root, Checker& c, Config& config) {
  auto admins = c.strings(root, "admins", "admins");
  if (!admins) return;
  for (const auto& admin : admins->value) {
    if (!looks_like_bare_jid(admin.value)) {
      c.fatal(admin.line, "admins: \"" + admin.value + "\" is not a bare JID (user@domain, without /resource)");
      continue;
    }
    config.admins.push_back(ascii_lower(admin.value));
  }
}

void check_xmpp(const toml::table& root, Checker& c, XmppConfig& xmpp) {
  const toml::table* t = c.table(root, "xmpp", "xmpp");
  if (!t) {
    if (!root.contains("xmpp")) c.fatal(1, "missing required table [xmpp] (host and port of the component listener)");
    return;
  }
  c.unknown_keys(*t, "xmpp",
                 {"host", "port", "server_domain", "ping_interval_seconds", "ping_timeout_seconds",
                  "reconnect_max_seconds", "max_stanza_bytes", "max_depth"});
  int line = line_of(*t);

  if (auto host = c.string(*t, "host", "xmpp.host")) {
    if (host->value.empty() || has_space_or_control(host->value))
      c.fatal(host->line, "xmpp.host must be a host name or address, not \"" + host->value + "\"");
    xmpp.host = host->value;
  } else if (!t->contains("host")) {
    c.missing(line, "xmpp.host");
  }
  if (auto port = c.integer(*t, "port", "xmpp.port", 1, 65535))
    xmpp.port = static_cast<std::uint16_t>(port->value);
  else if (!t->contains("port"))
    c.missing(line, "xmpp.port");

  if (auto domain = c.string(*t, "server_domain", "xmpp.server_domain")) {
    if (!looks_like_domain(domain->value))
      c.fatal(domain->line, "xmpp.server_domain: \"" + domain->value + "\" is not a domain name");
    xmpp.server_domain = ascii_lower(domain->value);
  }
  // A day bounds every interval: longer would only hide a dead connection.
  constexpr std::int64_t day = 24 * 3600;
  if (auto v = c.integer(*t, "ping_interval_seconds", "xmpp.ping_interval_seconds", 1, day))
    xmpp.ping_interval = std::chrono::seconds(v->value);
  if (auto v = c.integer(*t, "ping_timeout_seconds", "xmpp.ping_timeout_seconds", 1, day))
    xmpp.ping_timeout = std::chrono::seconds(v->value);
  if (auto v = c.integer(*t, "reconnect_max_seconds", "xmpp.reconnect_max_seconds", 1, day))
    xmpp.reconnect_max = std::chrono::seconds(v->value);
  // RFC 6120 section 13.12 requires accepting stanzas of at least 10000 bytes.
  if (auto v = c.integer(*t, "max_stanza_bytes", "xmpp.max_stanza_bytes", 10000, std::int64_t{1} << 30))
    xmpp.max_stanza_bytes = static_cast<std::size_t>(v->value);
  if (auto v = c.integer(*t, "max_depth", "xmpp.max_depth", 1, 10000))
    xmpp.max_depth = static_cast<std::size_t>(v->value);
}

void check_storage(const toml::table& root, Checker& c, Config& config) {
  const toml::table* t = c.table(root, "storage", "storage");
  if (!t) {
    if (!root.contains("storage")) c.fatal(1, "missing required table [storage] (path of the database)");
    return;
  }
  c.unknown_keys(*t, "storage", {"path"});
  if (auto path = c.string(*t, "path", "storage.path")) {
    if (path->value.empty()) c.fatal(path->line, "storage.path must not be empty");
    config.storage_path = path->value;
  } else if (!t->contains("path")) {
    c.missing(line_of(*t), "storage.path");
  }
}

void check_http(const toml::table& root, Checker& c, HttpConfig& http) {
  const toml::table* t = c.table(root, "http", "http");
  if (!t) return;
  c.unknown_keys(*t, "http", {"listen", "public_url"});
  if (auto listen = c.string(*t, "listen", "http.listen")) {
    if (listen->value.empty()) {
      http.listen.reset();
    } else if (auto address = parse_host_port(listen->value)) {
      http.listen = *address;
    } else {
      c.fatal(listen->line, "http.listen: " + address.error().message);
    }
  }
  if (auto url = c.string(*t, "public_url", "http.public_url")) {
    std::string_view v = url->value;
    bool scheme = v.starts_with("http://") || v.starts_with("https://");
    auto rest = v.substr(v.find("://") == std::string_view::npos ? 0 : v.find("://") + 3);
    if (!scheme || rest.empty() || rest.front() == '/' || has_space_or_control(v)) {
      c.fatal(url->line, "http.public_url must be an http:// or https:// URL, not \"" + url->value + "\"");
    } else {
      // Signatures are computed over public_url + path; a trailing slash would double it.
      while (v.ends_with('/')) v.remove_suffix(1);
      http.public_url = std::string(v);
    }
  }
}

void check_log(const toml::table& root, Checker& c, Config& config) {
  const toml::table* t = c.table(root, "log", "log");
  if (!t) return;
  c.unknown_keys(*t, "log", {"level"});
  if (auto level = c.string(*t, "level", "log.level")) {
    if (auto parsed = log::parse_level(level->value))
      config.log_level = *parsed;
    else
      c.fatal(level->line, "log.level must be one of error, warn, info, debug, trace; not \"" + level->value + "\"");
  }
}

bool valid_gateway_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
  });
}

std::string known_kinds_text() {
  auto kinds = gateway_kinds();
  if (kinds.empty()) return "no kinds are built into this binary";
  std::string text = "known kinds: ";
  for (std::size_t i = 0; i < kinds.size(); ++i) text += (i ? ", " : "") + kinds[i];
  return text;
}

// Domain -> the gateway that claimed it first, for duplicate reports.
using DomainOwners = std::map<std::string, At<std::string>, std::less<>>;

void check_gateway(const std::string& name, const toml::table& t, Checker& c, DomainOwners& owners,
                   Config& config) {
  const std::string path = "gateways." + name;
  GatewayConfig gw;
  gw.name = name;
  gw.line = line_of(t);
  gw.table = t;
  if (!valid_gateway_name(name))
    c.fatal(gw.line, "gateway name \"" + name +
                         "\" may use only letters, digits, '-' and '_' (it appears in webhook URLs)");

  const GatewayKind* kind = nullptr;
  if (auto k = c.string(t, "kind", path + ".kind")) {
    gw.kind = k->value;
    kind = find_gateway_kind(k->value);
    if (!kind) c.fatal(k->line, "unknown gateway kind \"" + k->value + "\" (" + known_kinds_text() + ")");
  } else if (!t.contains("kind")) {
    c.missing(gw.line, path + ".kind");
  }

  std::optional<At<std::string>> domain = c.string(t, "domain", path + ".domain");
  if (domain) {
    if (!looks_like_domain(domain->value)) {
      c.fatal(domain->line, path + ".domain: \"" + domain->value + "\" is not a domain name");
      domain.reset();
    } else {
      gw.domain = ascii_lower(domain->value);
      auto [it, inserted] = owners.try_emplace(gw.domain, At<std::string>{name, domain->line});
      if (!inserted)
        c.fatal(domain->line, path + ".domain: \"" + gw.domain + "\" is already the domain of gateways." +
                                  it->second.value + " (line " + std::to_string(it->second.line) +
                                  "); each gateway needs a component domain of its own");
    }
  } else if (!t.contains("domain")) {
    c.missing(gw.line, path + ".domain");
  }

  if (auto secret = c.string(t, "secret", path + ".secret")) {
    if (secret->value.empty()) c.fatal(secret->line, path + ".secret must not be empty");
    gw.secret = secret->value;
  } else if (!t.contains("secret")) {
    c.missing(gw.line, path + ".secret");
  }

  if (auto users = c.strings(t, "user_domains", path + ".user_domains")) {
    if (users->value.empty())
      c.fatal(users->line, path + ".user_domains is empty: nobody could use this gateway");
    for (const auto& d : users->value) {
      if (looks_like_domain(d.value))
        gw.user_domains.push_back(ascii_lower(d.value));
      else
        c.fatal(d.line, path + ".user_domains: \"" + d.value + "\" is not a domain name");
    }
  } else if (domain && !t.contains("user_domains")) {
    auto dot = gw.domain.find('.');
    if (dot == std::string::npos)
      c.fatal(domain->line, path + ".domain \"" + gw.domain +
                                "\" has a single label, so user_domains can't default to its parent: set user_domains");
    else
      gw.user_domains.push_back(gw.domain.substr(dot + 1));
  }

  if (kind) {
    std::set<std::string, std::less<>> known(kind->keys.begin(), kind->keys.end());
    known.insert({"kind", "domain", "secret", "user_domains"});
    c.unknown_keys(t, path, known);
    if (kind->validate)
      for (auto& problem : kind->validate(t)) {
        int line = problem.line > 0 ? problem.line : gw.line;
        if (problem.fatal)
          c.fatal(line, path + ": " + problem.message);
        else
          c.warn(line, path + ": " + problem.message);
      }
  }
  config.gateways.push_back(std::move(gw));
}

void check_gateways(const toml::table& root, Checker& c, Config& config) {
  const toml::table* t = c.table(root, "gateways", "gateways");
  if (!t) {
    if (!root.contains("gateways")) c.fatal(1, "no gateways configured: add a [gateways.NAME] section");
    return;
  }
  if (t->empty()) c.fatal(line_of(*t), "no gateways configured: add a [gateways.NAME] section");

  // The table iterates by name; file order makes "already used by" point at the earlier one.
  std::vector<std::pair<std::string, const toml::node*>> sections;
  for (auto&& [key, node] : *t) sections.emplace_back(std::string(key.str()), &node);
  std::stable_sort(sections.begin(), sections.end(),
                   [](const auto& a, const auto& b) { return line_of(*a.second) < line_of(*b.second); });

  DomainOwners owners;
  for (const auto& [name, node] : sections) {
    if (!node->is_table()) {
      c.mistyped(*node, "gateways." + name, "a table ([gateways." + name + "])");
      continue;
    }
    check_gateway(name, *node->as_table(), c, owners, config);
  }
}

}  // namespace

std::string HostPort::str() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Result<HostPort> parse_host_port(std::string_view text) {
  std::string_view host, port;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos) return fail("\"" + std::string(text) + "\": missing ']'");
    host = text.substr(1, close - 1);
    if (text.substr(close + 1, 1) != ":") return fail("\"" + std::string(text) + "\": expected [address]:port");
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail("\"" + std::string(text) + "\": expected host:port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return fail("\"" + std::string(text) + "\": an IPv6 address needs brackets, as in [::1]:8480");
  }
  if (host.empty() || has_space_or_control(host) || host.find_first_of("/[]") != std::string_view::npos)
    return fail("\"" + std::string(text) + "\": invalid host");
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value < 1 || value > 65535)
    return fail("\"" + std::string(text) + "\": the port must be a number from 1 to 65535");
  return HostPort{std::string(host), static_cast<std::uint16_t>(value)};
}

bool looks_like_domain(std::string_view text) {
  if (text.empty() || text.size() > 1023 || text.front() == '.' || text.back() == '.') return false;
  if (text.find("..") != std::string_view::npos) return false;
  if (has_space_or_control(text)) return false;
  // Characters that can't appear in a prepared domainpart, or would split a JID.
  return text.find_first_of("@/\\\"'&:<>[]") == std::string_view::npos;
}

bool looks_like_bare_jid(std::string_view text) {
  auto at = text.find('@');
  if (at == std::string_view::npos || at == 0) return false;
  auto node = text.substr(0, at);
  if (has_space_or_control(node) || node.find_first_of("\"&'/:<>@") != std::string_view::npos) return false;
  return looks_like_domain(text.substr(at + 1));
}

LoadedConfig parse_config(std::string_view text, const std::string& source_path) {
  Checker c(source_path);
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(source_path));
  } catch (const toml::parse_error& e) {
    c.fatal(static_cast<int>(e.source().begin.line), std::string(e.description()));
    return {std::nullopt, c.take_issues()};
  }

  Config config;
  config.source_path = source_path;
  c.unknown_keys(root, "", {"admins", "xmpp", "storage", "http", "log", "gateways"});
  check_admins(root, c, config);
  check_xmpp(root, c, config.xmpp);
  check_storage(root, c, config);
  check_http(root, c, config.http);
  check_log(root, c, config);
  check_gateways(root, c, config);

  LoadedConfig loaded;
  if (!c.has_fatal()) loaded.config = std::move(config);
  loaded.issues = c.take_issues();
  return loaded;
}

LoadedConfig load_config(const std::string& path) {
  auto unreadable = [&](std::string why) {
    return LoadedConfig{std::nullopt, {ConfigIssue{path, 0, "cannot read the configuration: " + why, true}}};
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return unreadable("it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return unreadable(std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return unreadable(std::strerror(errno));
  return parse_config(text.str(), path);
}

std::string format_issue(const ConfigIssue& issue) {
  std::string out = issue.file;
  if (issue.line > 0) out += ":" + std::to_string(issue.line);
  out += issue.fatal ? ": " : ": warning: ";
  out += issue.message;
  return out;
}

}  // namespace junction::core
