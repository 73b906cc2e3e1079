#include "gateways/sms/sms_gateway.hpp"

#include "gateways/sms/phone_number.hpp"
#include "util/log.hpp"
#include "xmpp/namespaces.hpp"

#include <fmt/format.h>

namespace junction::sms {

SmsGateway::SmsGateway(core::GatewayContext& context)
    : context_(context),
      settings_(read_sms_settings(context.config())),
      numbers_(context.name(), context.store()),
      limiter_(settings_.rate_per_second, settings_.rate_burst) {
  apply_settings(context.config());
  if (auto loaded = numbers_.load(); !loaded)
    throw std::runtime_error("cannot read the number assignments: " + loaded.error().message);
  // One multi handle per gateway: its connection limits are the provider's.
  multi_ = std::make_unique<net::CurlMulti>(
      context.io(), net::CurlMulti::Options{.max_host_connections = settings_.max_connections,
                                            .max_total_connections = settings_.max_connections});
  http_ = std::make_unique<net::HttpClient>(*multi_);
}

SmsGateway::~SmsGateway() {
  *alive_ = false;
  http_.reset();  // cancels requests; their callbacks see alive_ false
}

void SmsGateway::apply_settings(const toml::table& config) {
  auto settings = read_sms_settings(config);
  auto provider = make_provider(provider_settings(settings, context_.name(), context_.public_url()));
  // --check-config refuses such a section; reaching here means a reload to a broken one,
  // which leaves everything as it was.
  if (!provider) throw std::runtime_error(provider.error().message);
  settings_ = std::move(settings);
  provider_ = std::shared_ptr<const Provider>(std::move(*provider));
  own_providers_.clear();
  numbers_.set_config_numbers(settings_.numbers);
  limiter_ = RateLimiter(settings_.rate_per_second, settings_.rate_burst);
}

void SmsGateway::reload(const toml::table& config) {
  try {
    apply_settings(config);
    log::info("sms", "{}: reloaded ({} numbers in the config)", context_.name(), settings_.numbers.size());
  } catch (const std::exception& e) {
    log::error("sms", "{}: reload refused, keeping the old settings: {}", context_.name(), e.what());
  }
}

std::vector<std::string> SmsGateway::features() const {
  return {std::string(xmpp::ns::receipts), std::string(xmpp::ns::oob)};
}

void SmsGateway::start() {
  context_.set_legacy_sender([this](const store::OutboxEntry& entry, std::function<void(core::SendOutcome)> done) {
    send_sms(entry, std::move(done));
  });
  context_.set_legacy_failure_handler(
      [this](const store::OutboxEntry& entry, const std::string& reason) { send_failed(entry, reason); });
  for (const char* method : {"GET", "POST"}) {
    context_.add_webhook(method, "inbound", [this](const net::HttpRequest& r, net::Responder respond) {
      inbound_webhook(r, std::move(respond));
    });
    context_.add_webhook(method, "status", [this](const net::HttpRequest& r, net::Responder respond) {
      status_webhook(r, std::move(respond));
    });
  }
  resume_long_texts();
  log::info("sms", "{}: provider {}, {} numbers owned, self-service {}", context_.name(), provider_->kind(),
            numbers_.all().size(), settings_.self_service ? "on" : "off");
}

void SmsGateway::stop(std::function<void()> done) {
  // What is in flight stays in the outbox as pending and is sent again after a restart.
  if (http_) http_->cancel_all();
  done();
}

std::shared_ptr<const Provider> SmsGateway::provider_for(const std::string& user) {
  auto owned = numbers_.number_of(user);
  if (!owned || owned->source != NumberSource::own_account) return provider_;
  if (auto it = own_providers_.find(user); it != own_providers_.end()) return it->second;
  auto registration = context_.registration(*xmpp::Jid::parse(user));
  if (!registration) return provider_;
  // Only the credential fields: the API URL and the rest stay the operator's choice.
  std::map<std::string, std::string> account;
  for (const auto& key : self_service_keys(settings_.provider_keys["provider"]))
    if (auto it = registration->fields.find(key); it != registration->fields.end()) account[key] = it->second;
  auto own_settings = provider_settings(settings_, context_.name(), context_.public_url(), account);
  own_settings.webhook_account = account_key(owned->number);
  auto built = make_provider(std::move(own_settings));
  if (!built) {
    log::warn("sms", "{}: {}'s own provider account is unusable ({}); using the gateway's", context_.name(), user,
              built.error().message);
    return provider_;
  }
  auto shared = std::shared_ptr<const Provider>(std::move(*built));
  own_providers_[user] = shared;
  return shared;
}

std::string account_key(std::string_view number) {
  return std::string(number.starts_with('+') ? number.substr(1) : number);
}

std::optional<std::string> SmsGateway::own_account_owner(const std::string& key) const {
  if (key.empty()) return std::nullopt;
  for (const auto& number : {"+" + key, key}) {
    auto owned = numbers_.owner_of(number);
    if (owned && owned->source == NumberSource::own_account) return owned->owner;
  }
  return std::nullopt;
}

std::string SmsGateway::signer_of(const std::string& user) const {
  auto owned = numbers_.number_of(user);
  return owned && owned->source == NumberSource::own_account ? user : std::string{};
}

std::string SmsGateway::display_contact(std::string_view node) {
  auto name = xmpp::unescape_node(node);
  return is_alphanumeric_sender(name) ? name : display_number(name);
}

xmpp::Jid SmsGateway::contact_jid(const std::string& number) const {
  auto jid = xmpp::Jid::from_parts(node_from_number(number), context_.domain());
  return jid ? *jid : *xmpp::Jid::parse(context_.domain());
}

std::string SmsGateway::gateway_description() const {
  return fmt::format("Enter a phone number; numbers without a country code are taken as {}.",
                     settings_.default_country);
}

Result<xmpp::Jid> SmsGateway::legacy_to_jid(std::string_view legacy) const {
  auto number = normalize_number(legacy, settings_.default_country);
  if (!number) return std::unexpected(number.error());
  return xmpp::Jid::from_parts(node_from_number(*number), context_.domain());
}

// ---- presence and provider health ----

xmpp::Element SmsGateway::health_presence() const {
  xmpp::Element presence("presence");
  if (failing_) {
    presence.add_child("show").set_text("xa");
    presence.add_child("status").set_text("provider failing: " + failure_reason_);
  } else {
    presence.add_child("status").set_text(fmt::format("SMS via {}", provider_->kind()));
  }
  return presence;
}

std::optional<xmpp::Element> SmsGateway::contact_presence(const xmpp::Jid& user, const xmpp::Jid& contact) {
  (void)user;
  if (contact.node().empty()) return health_presence();
  xmpp::Element presence("presence");
  presence.add_child("status").set_text(display_contact(contact.node()));
  return presence;
}

void SmsGateway::on_user_available(const xmpp::Jid& full) { online_users_.insert(full.bare_str()); }

void SmsGateway::on_user_unavailable(const xmpp::Jid& full) {
  if (context_.online_resources(full.bare()).empty()) online_users_.erase(full.bare_str());
}

void SmsGateway::note_send_result(SendKind kind, const std::string& error) {
  if (kind == SendKind::transient) {
    if (++consecutive_failures_ >= settings_.failure_threshold && (!failing_ || failure_reason_ != error)) {
      bool was_failing = failing_;
      failing_ = true;
      failure_reason_ = error;
      if (!was_failing) log::warn("sms", "{}: provider failing: {}", context_.name(), error);
      broadcast_health();
    }
    return;
  }
  // A permanent answer is the provider speaking: it is up.
  consecutive_failures_ = 0;
  if (failing_) {
    failing_ = false;
    failure_reason_.clear();
    log::info("sms", "{}: provider recovered", context_.name());
    broadcast_health();
  }
}

void SmsGateway::broadcast_health() {
  auto presence = health_presence();
  presence.set_attr("from", context_.domain());
  for (const auto& user : online_users_)
    if (auto jid = xmpp::Jid::parse(user)) context_.set_contact_presence(*jid, presence);
}

std::vector<std::pair<std::string, std::string>> SmsGateway::statistics() const {
  return {{"SMS provider", std::string(provider_->kind())},
          {"SMS provider state", failing_ ? "failing: " + failure_reason_ : "ok"},
          {"SMS numbers owned", std::to_string(numbers_.all().size())},
          {"SMS sends in flight", std::to_string(multi_ ? multi_->active() : 0)}};
}

std::vector<core::AdhocCommand> SmsGateway::commands() {
  return {assign_command(), release_command(), list_command(), my_number_command()};
}

void register_sms_gateway() {
  core::register_gateway_kind({"sms",
                               [](core::GatewayContext& context) -> std::unique_ptr<core::Gateway> {
                                 return std::make_unique<SmsGateway>(context);
                               },
                               validate_sms_config, sms_config_keys()});
}

}  // namespace junction::sms
