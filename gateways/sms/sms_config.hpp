#pragma once
// The [gateways.NAME] section of an SMS gateway: reading it into SmsSettings, and checking it
// for `junction --check-config` with the line of each problem.
#include "core/gateway.hpp"
#include "gateways/sms/provider.hpp"

#include <toml++/toml.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace junction::sms {

struct SmsSettings {
  std::string default_country = "US";
  // Every scalar key of the section as a string: what the provider is built from.
  std::map<std::string, std::string> provider_keys;
  // [gateways.NAME.numbers]: normalized number -> owner's bare JID.
  std::map<std::string, std::string> numbers;
  int max_segments = 10;        // longer texts are refused with a clear error
  double rate_per_second = 10;  // sends per second to the provider (token bucket)
  double rate_burst = 10;       // tokens the bucket holds
  int max_connections = 8;      // HTTP connections to the provider at once
  int failure_threshold = 3;    // consecutive transient failures before the gateway shows "failing"
  bool self_service = false;    // users may register their own provider account and number
  int concat_timeout = 120;     // s to wait for the missing parts of a long inbound text
};

// Reads a section that validate_sms_config accepted (bad values fall back to defaults).
SmsSettings read_sms_settings(const toml::table& table);

std::vector<core::ConfigProblem> validate_sms_config(const toml::table& table);

// Keys an SMS section accepts beyond kind/domain/secret/user_domains.
std::set<std::string> sms_config_keys();

// The provider's settings for this gateway; `overrides` (a user's own account) replace keys.
ProviderSettings provider_settings(const SmsSettings& settings, const std::string& gateway_name,
                                   const std::string& public_url,
                                   const std::map<std::string, std::string>& overrides = {});

// The credential keys a user brings for self-service registration, per provider.
std::vector<std::string> self_service_keys(const std::string& provider);

}  // namespace junction::sms
