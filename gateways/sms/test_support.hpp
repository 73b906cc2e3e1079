#pragma once
// Shared by the provider tests: settings and webhook requests without a server.
#include "gateways/sms/provider.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

namespace junction::sms::test {

inline ProviderSettings settings(std::map<std::string, std::string> keys, std::int64_t now = 1'700'000'000) {
  ProviderSettings s;
  s.gateway_name = "sms";
  s.public_url = "https://gw.example.org";
  s.keys = std::move(keys);
  s.now_seconds = [now] { return now; };
  return s;
}

inline std::unique_ptr<Provider> provider(std::map<std::string, std::string> keys, std::int64_t now = 1'700'000'000) {
  auto p = make_provider(settings(std::move(keys), now));
  EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().message);
  return p ? std::move(*p) : nullptr;
}

inline WebhookRequest form_post(std::string target, std::string body, HeaderMap headers = {}) {
  headers.emplace("content-type", "application/x-www-form-urlencoded");
  return make_webhook_request("POST", "https://gw.example.org", target, std::move(headers), std::move(body));
}

inline WebhookRequest get(std::string target, HeaderMap headers = {}) {
  return make_webhook_request("GET", "https://gw.example.org", target, std::move(headers), "");
}

inline HttpReply reply(int status, std::string body, HeaderMap headers = {}) {
  return HttpReply{status, std::move(headers), std::move(body)};
}

}  // namespace junction::sms::test
