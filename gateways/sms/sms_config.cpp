#include "gateways/sms/sms_config.hpp"

#include "gateways/sms/phone_number.hpp"
#include "xmpp/jid.hpp"

#include <fmt/format.h>

namespace junction::sms {
namespace {

// The section's own keys that are not provider credentials.
const std::set<std::string> kGatewayKeys = {"default_country",   "numbers",      "max_segments",
                                            "rate_per_second",   "rate_burst",   "max_connections",
                                            "failure_threshold", "self_service", "concat_timeout"};
const std::set<std::string> kProviderKeys = {"provider",
                                             "api_url",
                                             "account_sid",
                                             "auth_token",
                                             "username",
                                             "password",
                                             "webhook_token",
                                             "smsc",
                                             "api_key",
                                             "api_secret",
                                             "signature_secret",
                                             "signature_method",
                                             "public_key",
                                             "messaging_profile_id",
                                             "signature_tolerance"};

int line_of(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

std::optional<std::string> scalar_string(const toml::node& node) {
  if (auto s = node.value<std::string>()) return *s;
  if (node.is_integer()) return std::to_string(*node.value<std::int64_t>());
  if (node.is_floating_point()) return fmt::format("{}", *node.value<double>());
  if (node.is_boolean()) return *node.value<bool>() ? "true" : "false";
  return std::nullopt;
}

template <class T>
void check_number(const toml::table& table, const char* key, T low, T high, std::vector<core::ConfigProblem>& out) {
  auto node = table[key];
  if (!node) return;
  auto value = node.value<T>();
  if (!value || *value < low || *value > high)
    out.push_back({line_of(*node.node()), fmt::format("{} must be a number from {} to {}", key, low, high)});
}

}  // namespace

std::set<std::string> sms_config_keys() {
  std::set<std::string> keys = kGatewayKeys;
  keys.insert(kProviderKeys.begin(), kProviderKeys.end());
  return keys;
}

SmsSettings read_sms_settings(const toml::table& table) {
  SmsSettings s;
  s.default_country = table["default_country"].value_or(s.default_country);
  for (const auto& [key, node] : table) {
    if (kProviderKeys.count(std::string(key.str())))
      if (auto v = scalar_string(node)) s.provider_keys[std::string(key.str())] = *v;
  }
  s.max_segments = static_cast<int>(table["max_segments"].value_or(std::int64_t{s.max_segments}));
  s.rate_per_second = table["rate_per_second"].value_or(s.rate_per_second);
  s.rate_burst = table["rate_burst"].value_or(std::max(1.0, s.rate_per_second));
  s.max_connections = static_cast<int>(table["max_connections"].value_or(std::int64_t{s.max_connections}));
  s.failure_threshold = static_cast<int>(table["failure_threshold"].value_or(std::int64_t{s.failure_threshold}));
  s.self_service = table["self_service"].value_or(false);
  s.concat_timeout = static_cast<int>(table["concat_timeout"].value_or(std::int64_t{s.concat_timeout}));
  if (const auto* numbers = table["numbers"].as_table()) {
    for (const auto& [key, node] : *numbers) {
      auto number = normalize_number(key.str(), s.default_country);
      auto owner = node.value<std::string>();
      auto jid = owner ? xmpp::Jid::parse(*owner) : fail("");
      if (number && jid) s.numbers[*number] = jid->bare_str();
    }
  }
  return s;
}

std::vector<core::ConfigProblem> validate_sms_config(const toml::table& table) {
  std::vector<core::ConfigProblem> problems;
  std::string country = "US";
  if (auto node = table["default_country"]) {
    auto value = node.value<std::string>();
    if (!value || !is_known_country(*value))
      problems.push_back({line_of(*node.node()), "default_country must be a region code such as \"US\" or \"GB\""});
    else
      country = *value;
  }
  for (const auto& [key, node] : table) {
    std::string name(key.str());
    if (kProviderKeys.count(name) && !scalar_string(node))
      problems.push_back({line_of(node), name + " must be a string"});
  }
  check_number<std::int64_t>(table, "max_segments", 1, 255, problems);
  check_number<double>(table, "rate_per_second", 0.01, 100000, problems);
  check_number<double>(table, "rate_burst", 1, 100000, problems);
  check_number<std::int64_t>(table, "max_connections", 1, 1024, problems);
  check_number<std::int64_t>(table, "failure_threshold", 1, 1000, problems);
  check_number<std::int64_t>(table, "concat_timeout", 1, 86400, problems);
  if (auto node = table["self_service"]; node && !node.is_boolean())
    problems.push_back({line_of(*node.node()), "self_service must be true or false"});

  if (auto node = table["numbers"]) {
    if (const auto* numbers = node.as_table()) {
      for (const auto& [key, owner] : *numbers) {
        auto number = normalize_number(key.str(), country);
        if (!number) {
          problems.push_back({line_of(owner), fmt::format("numbers: \"{}\": {}", key.str(), number.error().message)});
          continue;
        }
        auto value = owner.value<std::string>();
        auto jid = value ? xmpp::Jid::parse(*value) : fail("not a string");
        if (!jid || jid->node().empty() || !jid->is_bare())
          problems.push_back({line_of(owner), fmt::format("numbers: \"{}\" must map to a bare JID such as "
                                                          "\"alice@example.org\"",
                                                          key.str())});
      }
    } else {
      problems.push_back({line_of(*node.node()), "numbers must be a table of \"+number\" = \"owner@domain\""});
    }
  }

  // The provider itself says which keys it needs; a missing key belongs to the table's line.
  auto settings = read_sms_settings(table);
  if (auto provider = make_provider(provider_settings(settings, "check", "http://localhost")); !provider) {
    int line = 0;
    if (auto node = table["provider"]) line = line_of(*node.node());
    problems.push_back({line, provider.error().message});
  }
  return problems;
}

ProviderSettings provider_settings(const SmsSettings& settings, const std::string& gateway_name,
                                   const std::string& public_url, const std::map<std::string, std::string>& overrides) {
  ProviderSettings p;
  p.gateway_name = gateway_name;
  p.public_url = public_url;
  p.keys = settings.provider_keys;
  for (const auto& [key, value] : overrides)
    if (kProviderKeys.count(key) && key != "provider" && !value.empty()) p.keys[key] = value;
  return p;
}

std::vector<std::string> self_service_keys(const std::string& provider) {
  if (provider == "twilio") return {"account_sid", "auth_token"};
  if (provider == "vonage") return {"api_key", "api_secret", "signature_secret"};
  if (provider == "telnyx") return {"api_key", "public_key", "messaging_profile_id"};
  if (provider == "kannel") return {"username", "password"};
  return {};
}

}  // namespace junction::sms
