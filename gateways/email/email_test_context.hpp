#pragma once
// The email gateway's unit tests use the shared fake context (core/testing) under the name
// "mail" at mail.example.org. Contact presences are kept with the other sent stanzas, as the
// tests read them there.
#include "core/testing/fake_gateway_context.hpp"

namespace junction::email::test {

class FakeContext final : public core::testing::FakeGatewayContext {
 public:
  explicit FakeContext(toml::table config) : FakeGatewayContext("mail", "mail.example.org", std::move(config)) {}
  void set_contact_presence(const xmpp::Jid&, const xmpp::Element& presence) override { sent.push_back(presence); }
};

}  // namespace junction::email::test
