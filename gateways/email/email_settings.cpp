#include "email_settings.hpp"

#include "address.hpp"

#include <fmt/format.h>

namespace junction::email {
namespace {

int line_of(const toml::node* node) { return node ? static_cast<int>(node->source().begin.line) : 0; }

bool valid_listen(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return false;
  auto port = text.substr(colon + 1);
  if (port.size() > 5) return false;
  int value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  return value <= 65535;
}

}  // namespace

const std::set<std::string>& email_config_keys() {
  static const std::set<std::string> keys = {
      "mail_domain",       "smtp_url",          "smtp_user",         "smtp_password",
      "smtp_starttls",     "smtp_verify_peer",  "inbound_listen",    "inbound_protocol",
      "default_subject",   "quoted_tail",       "max_message_bytes", "max_attachment_bytes",
      "attachment_ttl_hours", "send_rate_per_minute"};
  return keys;
}

std::vector<core::ConfigProblem> validate_email_config(const toml::table& table) {
  std::vector<core::ConfigProblem> problems;
  auto problem = [&problems](const toml::node* node, std::string message) {
    problems.push_back({line_of(node), std::move(message)});
  };
  auto string_key = [&](const char* key) -> std::optional<std::string> {
    const toml::node* node = table.get(key);
    if (!node) return std::nullopt;
    if (!node->is_string()) {
      problem(node, fmt::format("{} must be a string", key));
      return std::nullopt;
    }
    return node->value<std::string>();
  };
  auto bool_key = [&](const char* key) {
    if (const toml::node* node = table.get(key); node && !node->is_boolean())
      problem(node, fmt::format("{} must be true or false", key));
  };
  auto int_key = [&](const char* key, std::int64_t min, std::int64_t max) {
    const toml::node* node = table.get(key);
    if (!node) return;
    auto value = node->value<std::int64_t>();
    if (!node->is_integer() || !value || *value < min || *value > max)
      problem(node, fmt::format("{} must be an integer from {} to {}", key, min, max));
  };

  if (auto domain = string_key("mail_domain")) {
    if (!parse_address("postmaster@" + *domain)) problem(table.get("mail_domain"), "mail_domain is not a valid mail domain");
  } else if (!table.get("mail_domain")) {
    problem(nullptr, "mail_domain is required (users' addresses are <node>@mail_domain)");
  }
  if (auto url = string_key("smtp_url"); url && url->rfind("smtp://", 0) != 0 && url->rfind("smtps://", 0) != 0)
    problem(table.get("smtp_url"), "smtp_url must start with smtp:// or smtps://");
  string_key("smtp_user");
  string_key("smtp_password");
  bool_key("smtp_starttls");
  bool_key("smtp_verify_peer");
  if (auto listen = string_key("inbound_listen"); listen && !listen->empty() && !valid_listen(*listen))
    problem(table.get("inbound_listen"), "inbound_listen must be host:port (or empty for no listener)");
  if (auto protocol = string_key("inbound_protocol"); protocol && *protocol != "lmtp" && *protocol != "smtp")
    problem(table.get("inbound_protocol"), "inbound_protocol must be \"lmtp\" or \"smtp\"");
  string_key("default_subject");
  if (auto tail = string_key("quoted_tail"); tail && !parse_quoted_tail(*tail))
    problem(table.get("quoted_tail"), "quoted_tail must be \"keep\" or \"trim\"");
  int_key("max_message_bytes", 1024, std::int64_t{1} << 31);
  int_key("max_attachment_bytes", 0, std::int64_t{1} << 30);
  int_key("attachment_ttl_hours", 1, 24 * 366);
  int_key("send_rate_per_minute", 1, 100000);
  return problems;
}

EmailSettings read_email_settings(const toml::table& table) {
  EmailSettings s;
  s.mail_domain = table["mail_domain"].value_or(s.mail_domain);
  s.smtp_url = table["smtp_url"].value_or(s.smtp_url);
  s.smtp_user = table["smtp_user"].value_or(s.smtp_user);
  s.smtp_password = table["smtp_password"].value_or(s.smtp_password);
  s.smtp_starttls = table["smtp_starttls"].value_or(s.smtp_starttls);
  s.smtp_verify_peer = table["smtp_verify_peer"].value_or(s.smtp_verify_peer);
  s.inbound_listen = table["inbound_listen"].value_or(s.inbound_listen);
  if (table["inbound_protocol"].value_or(std::string("lmtp")) == "smtp") s.inbound_protocol = InboundProtocol::smtp;
  s.default_subject = table["default_subject"].value_or(s.default_subject);
  if (auto tail = parse_quoted_tail(table["quoted_tail"].value_or(std::string("trim")))) s.quoted_tail = *tail;
  s.max_message_bytes = static_cast<std::size_t>(
      table["max_message_bytes"].value_or(static_cast<std::int64_t>(s.max_message_bytes)));
  s.max_attachment_bytes = static_cast<std::size_t>(
      table["max_attachment_bytes"].value_or(static_cast<std::int64_t>(s.max_attachment_bytes)));
  s.attachment_ttl = std::chrono::hours(table["attachment_ttl_hours"].value_or(std::int64_t{24 * 7}));
  s.send_rate_per_minute = static_cast<int>(table["send_rate_per_minute"].value_or(std::int64_t{20}));
  return s;
}

}  // namespace junction::email
