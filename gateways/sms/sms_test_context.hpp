#pragma once
// The SMS gateway's unit tests use the shared fake context (core/testing) under the name
// "sms" at sms.example.org; webhooks are called with call(), presences land in `presences`.
#include "core/testing/fake_gateway_context.hpp"

namespace junction::sms::test {

class FakeContext final : public core::testing::FakeGatewayContext {
 public:
  explicit FakeContext(toml::table config) : FakeGatewayContext("sms", "sms.example.org", std::move(config)) {}
  // For a provider served on this context's own loop, whose URL is known only once it listens.
  void set_config(toml::table config) { config_ = std::move(config); }
};

}  // namespace junction::sms::test
