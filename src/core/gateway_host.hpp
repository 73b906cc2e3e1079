#pragma once
// One gateway domain: its component connection, the services every gateway shares (disco,
// version, ping, registration, jabber:iq:gateway, ad-hoc commands, presence, error replies,
// durable delivery both ways), and the Gateway that translates for it.
// Runs on the event loop thread only.
#include "core/config.hpp"
#include "core/gateway.hpp"
#include "core/legacy_outbox.hpp"
#include "core/presence_tracker.hpp"
#include "core/stanza_link.hpp"
#include "core/xmpp_delivery.hpp"
#include "util/worker_pool.hpp"
#include "xmpp/component_connection.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace junction::core {

// What the runtime lends every host.
struct HostEnvironment {
  asio::io_context* io = nullptr;
  store::Store* store = nullptr;
  Metrics* metrics = nullptr;
  net::HttpServer* http = nullptr;  // null when [http] listen is off
  WorkerPool* workers = nullptr;
  // Runs work in one store transaction (SqliteStore::batch): group commit for deliver_async.
  // Unset: deliver_async stores synchronously.
  std::function<Result<void>(const std::function<Result<void>()>&)> store_batch;
  std::string public_url;
  std::chrono::steady_clock::time_point started_at;
  std::function<bool(const xmpp::Jid&)> is_admin;
  std::function<void(std::function<void(std::string)>)> reload;  // runs a reload, reports a summary
  // Rows shared by every gateway for the statistics command (uptime, process-wide numbers).
  std::function<std::vector<std::pair<std::string, std::string>>()> global_statistics;
};

class GatewayHost final : public GatewayContext, private StanzaLink {
 public:
  GatewayHost(HostEnvironment env, GatewayConfig config, const XmppConfig& xmpp);
  ~GatewayHost() override;

  // Builds the gateway from its kind; an error names the problem.
  Result<void> init();
  void start();
  // Unavailable presences, the gateway's own stop, then the stream closes; bounded in time.
  void stop(std::function<void()> done);
  void reload(const GatewayConfig& config);

  bool stream_online() const;
  std::string stream_state() const;
  std::vector<std::pair<std::string, std::string>> statistics();

  // GatewayContext
  const std::string& name() const override { return config_.name; }
  const std::string& domain() const override { return config_.domain; }
  const toml::table& config() const override { return config_.table; }
  asio::io_context& io() override { return *env_.io; }
  store::Store& store() override { return *env_.store; }
  Metrics& metrics() override { return *env_.metrics; }
  void send(xmpp::Element stanza) override;
  Result<bool> deliver(xmpp::Element stanza, const std::string& key, const std::string& user) override;
  void deliver_async(xmpp::Element stanza, std::string key, std::string user,
                     std::function<void(Result<bool>)> done) override;
  void set_legacy_sender(LegacySender sender) override;
  void set_legacy_failure_handler(
      std::function<void(const store::OutboxEntry&, const std::string&)> handler) override;
  Result<store::EnqueueResult> queue_to_legacy(store::OutboxEntry entry) override;
  void queue_to_legacy_async(store::OutboxEntry entry,
                             std::function<void(Result<store::EnqueueResult>)> done) override;
  void offload(std::function<void()> work, std::function<void()> done) override;
  void add_webhook(const std::string& method, const std::string& suffix, net::HttpHandler handler) override;
  std::string public_url() const override { return env_.public_url; }
  bool user_allowed(const xmpp::Jid& user) const override;
  bool is_admin(const xmpp::Jid& user) const override;
  std::vector<xmpp::Jid> online_resources(const xmpp::Jid& bare_user) const override;
  std::optional<store::Registration> registration(const xmpp::Jid& bare_user) override;
  const std::vector<std::string>& user_domains() const override { return config_.user_domains; }
  void set_contact_presence(const xmpp::Jid& user, const xmpp::Element& presence) override;

 private:
  // StanzaLink, for XmppDelivery.
  bool online() const override;
  bool write_serialized(std::string_view stanza) override;
  void barrier(std::function<void(bool)> done) override;

  // Stream events.
  void on_online();
  void on_offline(const std::string& reason);
  void on_stanza(xmpp::Element&& stanza);

  // Routing (gateway_host.cpp).
  void route_message(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to);
  void reply_error(const xmpp::Element& stanza, std::string_view condition, std::string_view text = {});

  // Presence (host_presence.cpp).
  void route_presence(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to);
  void answer_subscription(const std::string& type, const xmpp::Jid& from, const xmpp::Jid& to);
  void answer_probe(const xmpp::Jid& from, const xmpp::Jid& to);
  void track_availability(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to);
  void probe_registered_users();
  void send_unavailable_everywhere();
  xmpp::Element own_presence() const;

  // IQ services (host_iq.cpp, host_registration.cpp, host_commands.cpp).
  void route_iq(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to);
  void iq_disco_info(const xmpp::Element& iq, const xmpp::Jid& from, const xmpp::Jid& to);
  void iq_disco_items(const xmpp::Element& iq, const xmpp::Jid& from, const xmpp::Jid& to);
  void iq_version(const xmpp::Element& iq, const xmpp::Jid& from, const xmpp::Jid& to);
  void iq_ping(const xmpp::Element& iq, const xmpp::Jid& from, const xmpp::Jid& to);
  void iq_gateway(const xmpp::Element& iq, const xmpp::Jid& from, const xmpp::Jid& to);
  void iq_register(const xmpp::Element& iq, const xmpp::Jid& from, const xmpp::Jid& to);
  void iq_command(const xmpp::Element& iq, const xmpp::Jid& from, const xmpp::Jid& to);
  void unregister(const xmpp::Jid& user);
  std::vector<AdhocCommand> all_commands();
  std::vector<AdhocCommand> admin_commands();

  HostEnvironment env_;
  GatewayConfig config_;
  xmpp::ComponentOptions component_options_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<xmpp::ComponentConnection> connection_;
  std::unique_ptr<XmppDelivery> delivery_;
  std::unique_ptr<LegacyOutbox> legacy_;
  PresenceTracker presence_;
  // Contacts (by bare user) that were shown available to a user, to send unavailable at exit.
  std::map<std::string, std::set<std::string>> presence_sent_;
  struct CommandSession {
    std::string node;
    std::string user;  // full JID that started it
    std::chrono::steady_clock::time_point started;
  };
  std::map<std::string, CommandSession> command_sessions_;
  std::uint64_t next_id_ = 1;
  bool probed_ = false;
  bool stopping_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace junction::core
