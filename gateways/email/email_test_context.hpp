#pragma once
// A GatewayContext for the email gateway's unit tests: an in-memory store, and the stanzas,
// outbox entries and webhooks the gateway produces, kept for inspection. offload() runs
// both halves at once, so a whole inbound delivery completes inside one call. Tests only.
#include "core/gateway.hpp"
#include "store/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace junction::email::test {

class FakeContext final : public core::GatewayContext {
 public:
  explicit FakeContext(toml::table config) : config_(std::move(config)) {
    auto opened = store::SqliteStore::open(":memory:");
    EXPECT_TRUE(opened.has_value());
    store_ = std::move(*opened);
  }

  const std::string& name() const override { return name_; }
  const std::string& domain() const override { return domain_; }
  const toml::table& config() const override { return config_; }
  asio::io_context& io() override { return io_; }
  store::Store& store() override { return *store_; }
  Metrics& metrics() override { return metrics_; }
  void send(xmpp::Element stanza) override { sent.push_back(std::move(stanza)); }
  Result<bool> deliver(xmpp::Element stanza, const std::string& key, const std::string&) override {
    if (!delivered_keys.insert(key).second) return false;
    delivered.push_back(std::move(stanza));
    return true;
  }
  void set_legacy_sender(core::LegacySender s) override { sender = std::move(s); }
  void set_legacy_failure_handler(std::function<void(const store::OutboxEntry&, const std::string&)> h) override {
    on_failure = std::move(h);
  }
  Result<store::EnqueueResult> queue_to_legacy(store::OutboxEntry entry) override {
    entry.gateway = name_;
    auto r = store_->outbox().enqueue(entry);
    if (r && r->inserted) queued.push_back(entry);
    return r;
  }
  void offload(std::function<void()> work, std::function<void()> done) override {
    work();
    if (done) done();
  }
  void add_webhook(const std::string& method, const std::string& suffix, net::HttpHandler handler) override {
    webhooks[method + " " + suffix] = std::move(handler);
  }
  std::string public_url() const override { return "https://gw.example.org"; }
  bool user_allowed(const xmpp::Jid& user) const override { return user.domain() == "example.org"; }
  bool is_admin(const xmpp::Jid& user) const override { return user.bare_str() == "admin@example.org"; }
  std::vector<xmpp::Jid> online_resources(const xmpp::Jid&) const override { return {}; }
  std::optional<store::Registration> registration(const xmpp::Jid& user) override {
    auto r = store_->registrations().get(name_, user.bare_str());
    return r ? *r : std::nullopt;
  }
  const std::vector<std::string>& user_domains() const override { return user_domains_; }
  void set_contact_presence(const xmpp::Jid&, const xmpp::Element& presence) override { sent.push_back(presence); }

  void register_user(const std::string& user, std::map<std::string, std::string> fields = {}) {
    store::Registration r{name_, user, std::move(fields), 0, 0};
    ASSERT_TRUE(store_->registrations().upsert(r));
  }

  std::vector<xmpp::Element> sent, delivered;
  std::set<std::string> delivered_keys;
  std::vector<store::OutboxEntry> queued;
  std::map<std::string, net::HttpHandler> webhooks;
  core::LegacySender sender;
  std::function<void(const store::OutboxEntry&, const std::string&)> on_failure;

 private:
  std::string name_ = "mail", domain_ = "mail.example.org";
  std::vector<std::string> user_domains_{"example.org"};
  toml::table config_;
  asio::io_context io_;
  Metrics metrics_;
  std::unique_ptr<store::SqliteStore> store_;
};

}  // namespace junction::email::test
