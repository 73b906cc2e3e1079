#pragma once
// A GatewayContext for gateways' unit tests: an in-memory store, and the stanzas, outbox
// entries and webhooks a gateway produces, kept for inspection. deliver() de-duplicates by
// key as the real one does; offload() runs both halves at once, so a whole inbound delivery
// completes inside one call; call() invokes a webhook as the HTTP server would. The loop is a
// real io_context, so a gateway's clients can talk to servers run in the same test.
// Tests only: it uses GoogleTest assertions.
#include "core/gateway.hpp"
#include "store/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace junction::core::testing {

class FakeGatewayContext : public GatewayContext {
 public:
  FakeGatewayContext(std::string name, std::string domain, toml::table config)
      : name_(std::move(name)), domain_(std::move(domain)), config_(std::move(config)) {
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
    if (fail_deliveries) return fail("disk full");
    if (!delivered_keys.insert(key).second) return false;
    delivered.push_back(std::move(stanza));
    return true;
  }
  void set_legacy_sender(LegacySender s) override { sender = std::move(s); }
  void set_legacy_failure_handler(std::function<void(const store::OutboxEntry&, const std::string&)> h) override {
    on_failure = std::move(h);
  }
  Result<store::EnqueueResult> queue_to_legacy(store::OutboxEntry entry) override {
    entry.gateway = name_;
    entry.direction = store::Direction::to_legacy;
    auto r = store_->outbox().enqueue(entry);
    if (r && r->inserted) {
      entry.id = r->id;
      queued.push_back(entry);
    }
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
  void set_contact_presence(const xmpp::Jid& user, const xmpp::Element& presence) override {
    xmpp::Element p = presence;
    p.set_attr("to", user.bare_str());
    presences.push_back(std::move(p));
  }

  void register_user(const std::string& user, std::map<std::string, std::string> fields = {}) {
    store::Registration r{name_, user, std::move(fields), 0, 0};
    ASSERT_TRUE(store_->registrations().upsert(r));
  }

  // Calls a webhook as the HTTP server would and returns what it answered.
  net::HttpResponse call(const std::string& method, const std::string& suffix, const std::string& query,
                         std::string body = {}, std::multimap<std::string, std::string> headers = {}) {
    net::HttpRequest request;
    request.method = method;
    request.path = "/webhooks/" + name_ + "/" + suffix;
    request.query = query;
    request.target = request.path + (query.empty() ? "" : "?" + query);
    request.headers = std::move(headers);
    request.body = std::move(body);
    net::HttpResponse answer;
    answer.status = 0;
    webhooks.at(method + " " + suffix)(request, [&answer](net::HttpResponse r) { answer = std::move(r); });
    return answer;
  }

  std::vector<xmpp::Element> sent, delivered, presences;
  std::set<std::string> delivered_keys;
  std::vector<store::OutboxEntry> queued;
  std::map<std::string, net::HttpHandler> webhooks;
  LegacySender sender;
  std::function<void(const store::OutboxEntry&, const std::string&)> on_failure;
  bool fail_deliveries = false;

 protected:
  std::string name_, domain_;
  std::vector<std::string> user_domains_{"example.org"};
  toml::table config_;
  asio::io_context io_;
  Metrics metrics_;
  std::unique_ptr<store::SqliteStore> store_;
};

}  // namespace junction::core::testing
