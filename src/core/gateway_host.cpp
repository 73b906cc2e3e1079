#include "core/gateway_host.hpp"

#include "util/log.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

#include <algorithm>

namespace junction::core {

GatewayHost::GatewayHost(HostEnvironment env, GatewayConfig config, const XmppConfig& xmpp)
    : env_(std::move(env)), config_(std::move(config)) {
  component_options_.domain = config_.domain;
  component_options_.secret = config_.secret;
  component_options_.server_domain = xmpp.server_domain.value_or("");
  component_options_.limits.max_stanza_bytes = xmpp.max_stanza_bytes;
  component_options_.limits.max_depth = xmpp.max_depth;
  component_options_.ping_interval = xmpp.ping_interval;
  component_options_.ping_timeout = xmpp.ping_timeout;
  component_options_.backoff_max = xmpp.reconnect_max;

  xmpp::ComponentConnection::Callbacks callbacks;
  callbacks.on_online = [this] { on_online(); };
  callbacks.on_offline = [this](const std::string& reason) { on_offline(reason); };
  callbacks.on_stanza = [this](xmpp::Element&& stanza) { on_stanza(std::move(stanza)); };
  xmpp::ComponentConnection::Options options;
  options.name = config_.name;
  options.host = xmpp.host;
  options.port = xmpp.port;
  options.session = component_options_;
  connection_ = std::make_unique<xmpp::ComponentConnection>(*env_.io, std::move(options), *env_.metrics,
                                                            std::move(callbacks));
  delivery_ = std::make_unique<XmppDelivery>(config_.name, env_.store->outbox(), static_cast<StanzaLink&>(*this),
                                             *env_.metrics);
  legacy_ = std::make_unique<LegacyOutbox>(*env_.io, config_.name, env_.store->outbox(), *env_.metrics);
  if (env_.workers && env_.store_batch) {
    auto offload = [workers = env_.workers](std::function<void()> work, std::function<void()> done) {
      workers->run(std::move(work), std::move(done));
    };
    delivery_->enable_group_commit(offload, env_.store_batch);
    legacy_->enable_group_commit(offload, env_.store_batch);
  }
}

GatewayHost::~GatewayHost() { *alive_ = false; }

Result<void> GatewayHost::init() {
  const GatewayKind* kind = find_gateway_kind(config_.kind);
  if (!kind) return fail("unknown gateway kind \"" + config_.kind + "\"");
  try {
    gateway_ = kind->create(*this);
  } catch (const std::exception& e) {
    return fail(config_.name + ": " + e.what());
  }
  if (!gateway_) return fail(config_.name + ": the gateway could not be created");
  return {};
}

void GatewayHost::start() {
  log::info("host", "{}: starting {} gateway for {}", config_.name, config_.kind, config_.domain);
  gateway_->start();
  connection_->start();
}

void GatewayHost::stop(std::function<void()> done) {
  if (stopping_) return done();
  stopping_ = true;
  legacy_->stop();
  auto alive = std::weak_ptr<bool>(alive_);
  gateway_->stop([this, alive, done = std::move(done)]() mutable {
    if (alive.expired()) return done();
    // After the gateway's own goodbyes (IRC QUIT...), tell every user its contacts are gone.
    send_unavailable_everywhere();
    connection_->stop(std::move(done));
  });
}

void GatewayHost::reload(const GatewayConfig& config) {
  config_.user_domains = config.user_domains;
  config_.table = config.table;
  gateway_->reload(config_.table);
}

bool GatewayHost::stream_online() const { return connection_->online(); }
std::string GatewayHost::stream_state() const { return connection_->state_name(); }

// ---- GatewayContext ----

void GatewayHost::send(xmpp::Element stanza) {
  if (!stanza.attr("from")) stanza.set_attr("from", config_.domain);
  if (!connection_->send(stanza))
    log::warn("host", "{}: stream down, dropped a {} to {}", config_.name, stanza.name(), stanza.attr_or("to"));
}

Result<bool> GatewayHost::deliver(xmpp::Element stanza, const std::string& key, const std::string& user) {
  if (!stanza.attr("from")) stanza.set_attr("from", config_.domain);
  return delivery_->deliver(stanza, key, user);
}

void GatewayHost::deliver_async(xmpp::Element stanza, std::string key, std::string user,
                                std::function<void(Result<bool>)> done) {
  if (!stanza.attr("from")) stanza.set_attr("from", config_.domain);
  delivery_->deliver_async(stanza, key, user, std::move(done));
}

void GatewayHost::set_legacy_sender(LegacySender sender) { legacy_->set_sender(std::move(sender)); }

void GatewayHost::set_legacy_failure_handler(
    std::function<void(const store::OutboxEntry&, const std::string&)> handler) {
  legacy_->set_failure_handler(std::move(handler));
}

Result<store::EnqueueResult> GatewayHost::queue_to_legacy(store::OutboxEntry entry) {
  return legacy_->enqueue(std::move(entry));
}

void GatewayHost::queue_to_legacy_async(store::OutboxEntry entry,
                                        std::function<void(Result<store::EnqueueResult>)> done) {
  legacy_->enqueue_async(std::move(entry), std::move(done));
}

void GatewayHost::offload(std::function<void()> work, std::function<void()> done) {
  env_.workers->run(std::move(work), std::move(done));
}

void GatewayHost::add_webhook(const std::string& method, const std::string& suffix, net::HttpHandler handler) {
  if (!env_.http) {
    log::warn("host", "{}: no [http] listener, webhook {} not served", config_.name, suffix);
    return;
  }
  env_.http->route(method, "/webhooks/" + config_.name + "/" + suffix, std::move(handler));
}

bool GatewayHost::user_allowed(const xmpp::Jid& user) const {
  return std::find(config_.user_domains.begin(), config_.user_domains.end(), user.domain()) !=
         config_.user_domains.end();
}

bool GatewayHost::is_admin(const xmpp::Jid& user) const { return env_.is_admin && env_.is_admin(user); }

std::vector<xmpp::Jid> GatewayHost::online_resources(const xmpp::Jid& bare_user) const {
  return presence_.resources(bare_user);
}

std::optional<store::Registration> GatewayHost::registration(const xmpp::Jid& bare_user) {
  auto found = env_.store->registrations().get(config_.name, bare_user.bare_str());
  if (!found) {
    log::error("host", "{}: cannot read registration of {}: {}", config_.name, bare_user.bare_str(),
               found.error().message);
    return std::nullopt;
  }
  return *found;
}

// ---- StanzaLink ----

bool GatewayHost::online() const { return connection_->online(); }
bool GatewayHost::write_serialized(std::string_view stanza) { return connection_->send_raw(stanza); }
void GatewayHost::barrier(std::function<void(bool)> done) { connection_->ping(std::move(done)); }

// ---- stream events ----

void GatewayHost::on_online() {
  log::info("host", "{}: online as {}", config_.name, config_.domain);
  delivery_->on_online();
  if (!probed_) {
    probed_ = true;
    probe_registered_users();
  }
}

void GatewayHost::on_offline(const std::string& reason) {
  log::warn("host", "{}: stream to the XMPP server lost: {}", config_.name, reason);
  delivery_->on_offline();
  // The server forgets our presences when the component goes away; so do we, and users'
  // presence reaches us again (probes) once we are back.
  for (const auto& user : presence_.users())
    for (const auto& full : presence_.unavailable(user)) gateway_->on_user_unavailable(full);
  presence_sent_.clear();
  probed_ = false;
}

void GatewayHost::on_stanza(xmpp::Element&& stanza) {
  auto to = xmpp::Jid::parse(stanza.attr_or("to"));
  auto from = xmpp::Jid::parse(stanza.attr_or("from"));
  if (!from) {
    log::warn("host", "{}: dropped a {} with a bad from: {}", config_.name, stanza.name(), from.error().message);
    return;
  }
  if (!to || to->domain() != config_.domain) {
    reply_error(stanza, "jid-malformed", to ? "not addressed to this gateway" : to.error().message);
    return;
  }
  if (stanza.name() == "iq")
    route_iq(stanza, *from, *to);
  else if (stanza.name() == "message")
    route_message(stanza, *from, *to);
  else if (stanza.name() == "presence")
    route_presence(stanza, *from, *to);
  else
    log::debug("host", "{}: ignored <{}/>", config_.name, stanza.name());
}

void GatewayHost::route_message(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to) {
  if (stanza.attr_or("type") == "error") {
    gateway_->on_message(stanza, from, to);  // gateways may track bounces; never answered
    return;
  }
  if (!user_allowed(from)) {
    reply_error(stanza, "forbidden", "this gateway serves users of " + config_.user_domains.front() + " only");
    return;
  }
  gateway_->on_message(stanza, from, to);
}

void GatewayHost::reply_error(const xmpp::Element& stanza, std::string_view condition, std::string_view text) {
  auto type = stanza.attr_or("type");
  if (type == "error" || type == "result") return;  // never answer an error or a result
  if (stanza.name() == "presence" && !type.empty() && type != "subscribe" && type != "probe") return;
  send(xmpp::make_error_reply(stanza, xmpp::default_error_type(condition), condition, text));
}

std::vector<std::pair<std::string, std::string>> GatewayHost::statistics() {
  std::vector<std::pair<std::string, std::string>> rows;
  rows.emplace_back("stream", connection_->state_name());
  rows.emplace_back("online resources", std::to_string(presence_.resource_count()));
  auto registered = env_.store->registrations().list(config_.name);
  rows.emplace_back("registered users", registered ? std::to_string(registered->size()) : "?");
  auto to_xmpp = env_.store->outbox().depth(config_.name, store::Direction::to_xmpp);
  auto to_legacy = env_.store->outbox().depth(config_.name, store::Direction::to_legacy);
  rows.emplace_back("queue to XMPP", to_xmpp ? std::to_string(*to_xmpp) : "?");
  rows.emplace_back("queue to legacy", to_legacy ? std::to_string(*to_legacy) : "?");
  if (auto error = connection_->last_error(); !error.empty()) rows.emplace_back("last stream error", error);
  for (auto& row : gateway_->statistics()) rows.push_back(std::move(row));
  return rows;
}

}  // namespace junction::core
