#pragma once
// What the email benchmarks share: a GatewayContext built from the real core parts (SqliteStore
// on a file, XmppDelivery with group commit on a WorkerPool, LegacyOutbox), with a component
// stream that takes every write and answers barriers at once, so the numbers are Junction's
// own and not an XMPP server's; and a blocking line-based socket client for LMTP and SMTP.
#include "core/gateway.hpp"
#include "core/legacy_outbox.hpp"
#include "core/stanza_link.hpp"
#include "core/xmpp_delivery.hpp"
#include "store/sqlite_store.hpp"
#include "util/worker_pool.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

namespace junction::bench {

class CountingLink final : public core::StanzaLink {
 public:
  explicit CountingLink(asio::io_context& io) : io_(io) {}
  bool online() const override { return true; }
  bool write_serialized(std::string_view) override {
    ++written;
    return true;
  }
  void barrier(std::function<void(bool)> done) override {
    asio::post(io_, [done = std::move(done)] { done(true); });
  }
  std::atomic<long> written{0};

 private:
  asio::io_context& io_;
};

class MailBenchContext final : public core::GatewayContext {
 public:
  MailBenchContext(asio::io_context& io, toml::table config, const std::string& db_path)
      : io_(io), config_(std::move(config)), link_(io) {
    auto opened = store::SqliteStore::open(db_path);
    if (!opened) throw std::runtime_error(opened.error().message);
    store_ = std::move(*opened);
    workers_ = std::make_unique<WorkerPool>(io_, 2);  // as the runtime has
    delivery_ = std::make_unique<core::XmppDelivery>(name_, store_->outbox(), link_, metrics_);
    delivery_->enable_group_commit(
        [this](std::function<void()> work, std::function<void()> done) { workers_->run(std::move(work), std::move(done)); },
        [this](const std::function<Result<void>()>& work) { return store_->batch(work); });
    delivery_->on_online();
    legacy_ = std::make_unique<core::LegacyOutbox>(io_, name_, store_->outbox(), metrics_);
  }
  ~MailBenchContext() override { workers_->stop(); }

  CountingLink& link() { return link_; }

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
  void offload(std::function<void()> work, std::function<void()> done) override {
    workers_->run(std::move(work), std::move(done));
  }
  void add_webhook(const std::string&, const std::string&, net::HttpHandler) override {}
  std::string public_url() const override { return "http://127.0.0.1:8480"; }
  bool user_allowed(const xmpp::Jid& user) const override { return user.domain() == "example.org"; }
  bool is_admin(const xmpp::Jid&) const override { return false; }
  std::vector<xmpp::Jid> online_resources(const xmpp::Jid&) const override { return {}; }
  std::optional<store::Registration> registration(const xmpp::Jid& user) override {
    auto r = store_->registrations().get(name_, user.bare_str());
    return r ? *r : std::nullopt;
  }
  const std::vector<std::string>& user_domains() const override { return user_domains_; }
  void set_contact_presence(const xmpp::Jid&, const xmpp::Element&) override {}

 private:
  asio::io_context& io_;
  toml::table config_;
  std::string name_ = "mail", domain_ = "mail.example.org";
  std::vector<std::string> user_domains_{"example.org"};
  Metrics metrics_;
  CountingLink link_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<core::XmppDelivery> delivery_;
  std::unique_ptr<core::LegacyOutbox> legacy_;
};

// A blocking TCP peer speaking CRLF lines, for the benchmark's own threads.
class LineSocket {
 public:
  explicit LineSocket(int fd) : fd_(fd) {
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  static LineSocket connect_to(unsigned short port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("connect failed");
    return LineSocket(fd);
  }
  LineSocket(LineSocket&& o) noexcept : fd_(o.fd_), buffer_(std::move(o.buffer_)) { o.fd_ = -1; }
  ~LineSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  void write(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("write failed");
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // One line without its CRLF; empty at end of stream.
  std::string line() {
    for (;;) {
      if (auto nl = buffer_.find("\r\n"); nl != std::string::npos) {
        std::string out = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 2);
        return out;
      }
      char chunk[16384];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return {};
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  // A whole (possibly multi-line) reply: lines until one with a space after the code.
  std::string reply() {
    for (;;) {
      std::string l = line();
      if (l.size() < 4 || l[3] != '-') return l;
    }
  }

 private:
  int fd_;
  std::string buffer_;
};

}  // namespace junction::bench
