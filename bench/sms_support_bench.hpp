#pragma once
// What the SMS benchmarks share: a GatewayContext made of the real core parts (SqliteStore on
// a file, XmppDelivery and LegacyOutbox with group commit on a WorkerPool, the HTTP listener),
// with a component stream that accepts every write and answers barriers at once, so the
// numbers are Junction's own and not an XMPP server's.
#include "core/gateway.hpp"
#include "core/legacy_outbox.hpp"
#include "core/stanza_link.hpp"
#include "core/xmpp_delivery.hpp"
#include "store/sqlite_store.hpp"
#include "util/worker_pool.hpp"

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace junction::bench {

class InstantLink final : public core::StanzaLink {
 public:
  explicit InstantLink(asio::io_context& io) : io_(io) {}
  bool online() const override { return true; }
  bool write_serialized(std::string_view stanza) override {
    if (on_write) on_write(stanza);
    return true;
  }
  void barrier(std::function<void(bool)> done) override {
    asio::post(io_, [done = std::move(done)] { done(true); });
  }
  std::function<void(std::string_view)> on_write;

 private:
  asio::io_context& io_;
};

class BenchContext final : public core::GatewayContext {
 public:
  BenchContext(asio::io_context& io, toml::table config, const std::string& db_path, net::HttpServer& http,
               std::string public_url)
      : io_(io), config_(std::move(config)), http_(http), public_url_(std::move(public_url)), link_(io) {
    auto opened = store::SqliteStore::open(db_path);
    if (!opened) throw std::runtime_error(opened.error().message);
    store_ = std::move(*opened);
    workers_ = std::make_unique<WorkerPool>(io_, 2);
    delivery_ = std::make_unique<core::XmppDelivery>(name_, store_->outbox(), link_, metrics_);
    delivery_->enable_group_commit(
        [this](std::function<void()> work, std::function<void()> done) {
          workers_->run(std::move(work), std::move(done));
        },
        [this](const std::function<Result<void>()>& work) { return store_->batch(work); });
    delivery_->on_online();
    legacy_ = std::make_unique<core::LegacyOutbox>(io_, name_, store_->outbox(), metrics_);
    // As GatewayHost wires it: new entries and send outcomes commit in groups on a worker.
    legacy_->enable_group_commit(
        [this](std::function<void()> work, std::function<void()> done) {
          workers_->run(std::move(work), std::move(done));
        },
        [this](const std::function<Result<void>()>& work) { return store_->batch(work); });
  }
  ~BenchContext() override { workers_->stop(); }

  InstantLink& link() { return link_; }
  store::SqliteStore& sqlite() { return *store_; }
  core::LegacyOutbox& legacy() { return *legacy_; }

  const std::string& name() const override { return name_; }
  const std::string& domain() const override { return domain_; }
  const toml::table& config() const override { return config_; }
  asio::io_context& io() override { return io_; }
  store::Store& store() override { return *store_; }
  Metrics& metrics() override { return metrics_; }
  void send(xmpp::Element stanza) override { link_.write_serialized(stanza.to_string()); }
  Result<bool> deliver(xmpp::Element stanza, const std::string& key, const std::string& user) override {
    return delivery_->deliver(stanza, key, user);
  }
  void deliver_async(xmpp::Element stanza, std::string key, std::string user,
                     std::function<void(Result<bool>)> done) override {
    delivery_->deliver_async(stanza, key, user, std::move(done));
  }
  void set_legacy_sender(core::LegacySender sender) override { legacy_->set_sender(std::move(sender)); }
  void set_legacy_failure_handler(std::function<void(const store::OutboxEntry&, const std::string&)> h) override {
    legacy_->set_failure_handler(std::move(h));
  }
  Result<store::EnqueueResult> queue_to_legacy(store::OutboxEntry entry) override {
    return legacy_->enqueue(std::move(entry));
  }
  void queue_to_legacy_async(store::OutboxEntry entry,
                             std::function<void(Result<store::EnqueueResult>)> done) override {
    legacy_->enqueue_async(std::move(entry), std::move(done));
  }
  void offload(std::function<void()> work, std::function<void()> done) override {
    workers_->run(std::move(work), std::move(done));
  }
  void add_webhook(const std::string& method, const std::string& suffix, net::HttpHandler handler) override {
    http_.route(method, "/webhooks/" + name_ + "/" + suffix, std::move(handler));
  }
  std::string public_url() const override { return public_url_; }
  bool user_allowed(const xmpp::Jid& user) const override { return user.domain() == "example.org"; }
  bool is_admin(const xmpp::Jid&) const override { return false; }
  std::vector<xmpp::Jid> online_resources(const xmpp::Jid&) const override { return {}; }
  std::optional<store::Registration> registration(const xmpp::Jid&) override { return std::nullopt; }
  const std::vector<std::string>& user_domains() const override { return user_domains_; }
  void set_contact_presence(const xmpp::Jid&, const xmpp::Element&) override {}

 private:
  asio::io_context& io_;
  toml::table config_;
  net::HttpServer& http_;
  std::string public_url_;
  std::string name_ = "sms", domain_ = "sms.example.org";
  std::vector<std::string> user_domains_{"example.org"};
  Metrics metrics_;
  InstantLink link_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<core::XmppDelivery> delivery_;
  std::unique_ptr<core::LegacyOutbox> legacy_;
};

inline double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<std::size_t>(p * static_cast<double>(values.size())))];
}

}  // namespace junction::bench
