#include "email_gateway.hpp"

#include "header_encoding.hpp"
#include "net/smtp_client.hpp"
#include "util/log.hpp"
#include "xmpp/namespaces.hpp"

namespace junction::email {
namespace {
constexpr std::string_view kLog = "email";
constexpr std::size_t kMaxDisplayName = 100;

std::string trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

std::string lower_ascii(std::string text) {
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

// What people paste: "mailto:bob@example.com", "<bob@example.com>", "Bob <bob@example.com>".
std::string typed_address(std::string_view typed) {
  std::string text = trim(typed);
  if (auto open = text.rfind('<'); open != std::string::npos && text.back() == '>')
    text = text.substr(open + 1, text.size() - open - 2);
  if (text.rfind("mailto:", 0) == 0) text = text.substr(7);
  if (auto query = text.find('?'); query != std::string::npos) text.resize(query);
  return trim(text);
}
}  // namespace

EmailGateway::EmailGateway(core::GatewayContext& context)
    : context_(context),
      settings_(read_email_settings(context.config())),
      conversations_(std::make_shared<Conversations>(context.store().kv(), context.name())),
      attachments_(std::make_shared<AttachmentStore>(context.store().kv(), context.name())),
      rate_limiter_(settings_.send_rate_per_minute),
      mails_in_(context.metrics().counter("junction_email_inbound_total", "Mails delivered to XMPP users",
                                          {{"gateway", context.name()}})),
      mails_out_(context.metrics().counter("junction_email_outbound_total", "Mails accepted by the SMTP relay",
                                           {{"gateway", context.name()}})),
      bounces_(context.metrics().counter("junction_email_bounces_total", "Delivery reports turned into errors",
                                         {{"gateway", context.name()}})) {}

EmailGateway::~EmailGateway() { *alive_ = false; }

void EmailGateway::reload(const toml::table& config) {
  // The listener and the relay keep their addresses until a restart; the rest applies now.
  auto fresh = read_email_settings(config);
  fresh.inbound_listen = settings_.inbound_listen;
  fresh.inbound_protocol = settings_.inbound_protocol;
  settings_ = std::move(fresh);
  rate_limiter_.set_rate(settings_.send_rate_per_minute);
}

void EmailGateway::start() {
  context_.set_legacy_sender([this](const store::OutboxEntry& entry, std::function<void(core::SendOutcome)> done) {
    send_entry(entry, std::move(done));
  });
  context_.set_legacy_failure_handler(
      [this](const store::OutboxEntry& entry, const std::string& reason) { on_send_failed(entry, reason); });
  smtp_ = std::make_unique<net::SmtpClient>(context_.io());
  context_.add_webhook("GET", "attachment", [attachments = attachments_](const net::HttpRequest& request,
                                                                          net::Responder respond) {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count();
    respond(attachments->serve(request, now));
  });
  if (!settings_.inbound_listen.empty()) {
    InboundListener::Options options;
    options.session.protocol = settings_.inbound_protocol;
    options.session.hostname = settings_.mail_domain;
    options.session.max_message_bytes = settings_.max_message_bytes;
    listener_ = std::make_unique<InboundListener>(
        context_.io(), options,
        [this](const std::string& rcpt, LmtpSession::RcptAnswer answer) { check_recipient(rcpt, std::move(answer)); },
        [this](InboundEnvelope envelope, LmtpSession::DeliveryAnswer answer) {
          deliver_mail(std::move(envelope), std::move(answer));
        });
    if (auto started = listener_->start(settings_.inbound_listen); !started) {
      log::error(kLog, "{}: {}; inbound mail is off", context_.name(), started.error().message);
      listener_.reset();
    } else {
      log::info(kLog, "{}: {} listener on {}", context_.name(),
                settings_.inbound_protocol == InboundProtocol::lmtp ? "LMTP" : "SMTP", settings_.inbound_listen);
    }
  }
  schedule_prune();
}

void EmailGateway::stop(std::function<void()> done) {
  if (listener_) listener_->stop();
  if (prune_timer_) prune_timer_->cancel();
  done();
}

// ---- registration ----

std::string EmailGateway::registration_instructions() const {
  return "Register to send and receive email. Your address is <your user name>@" + settings_.mail_domain + ".";
}

std::vector<xmpp::FormField> EmailGateway::registration_fields(const store::Registration*) const {
  xmpp::FormField name;
  name.var = "name";
  name.type = "text-single";
  name.label = "Your name, as recipients see it";
  xmpp::FormField address;
  address.var = "address";
  address.type = "text-single";
  address.label = "Send from this address (empty: your own)";
  return {name, address};
}

Result<std::map<std::string, std::string>> EmailGateway::validate_registration(
    const xmpp::Jid& user, std::map<std::string, std::string> values) {
  auto own = own_address(user);
  if (!own) return fail("your JID cannot be an email address here: " + own.error().message);
  std::string name = sanitize_header_text(values["name"]);
  if (name.size() > kMaxDisplayName) return fail("the name is longer than 100 bytes");
  values["name"] = name;
  std::string address = typed_address(values["address"]);
  if (!address.empty()) {
    auto parsed = parse_address(address);
    if (!parsed) return fail("\"" + address + "\" is not an email address: " + parsed.error().message);
    if (!same_mailbox(*parsed, *own)) {
      auto owner = conversations_->owner(*parsed);
      if (!owner || !*owner || **owner != user.bare_str())
        return fail("you may send as " + own->str() + " or an address an administrator granted you");
    }
    address = parsed->str();
  }
  values["address"] = address;
  return values;
}

void EmailGateway::on_registered(const xmpp::Jid& user, const store::Registration&) {
  (void)conversations_->mark_known(user.bare_str());
  known_users_.insert(user.bare_str());
}

void EmailGateway::on_unregistered(const xmpp::Jid& user) { known_users_.erase(user.bare_str()); }

// ---- addressing ----

Result<MailAddress> EmailGateway::own_address(const xmpp::Jid& user) const {
  if (user.node().empty()) return fail("a JID without a user name has no address");
  return parse_address(user.node() + "@" + settings_.mail_domain);
}

Result<MailAddress> EmailGateway::sending_address(const xmpp::Jid& user,
                                                  const store::Registration& registration) const {
  auto chosen = registration.fields.find("address");
  if (chosen != registration.fields.end() && !chosen->second.empty()) {
    // Checked again: a grant may have been revoked since the user chose it.
    auto parsed = parse_address(chosen->second);
    auto owner = parsed ? conversations_->owner(*parsed) : Result<std::optional<std::string>>{};
    if (parsed && owner && *owner && **owner == user.bare_str()) return *parsed;
  }
  return own_address(user);
}

std::string EmailGateway::gateway_description() const {
  return "Enter an email address (bob@example.com) to get the contact to write to.";
}

Result<xmpp::Jid> EmailGateway::legacy_to_jid(std::string_view legacy) const {
  auto address = parse_address(typed_address(legacy));
  if (!address) return fail(address.error().message);
  (void)conversations_->remember_case(*address);
  return xmpp::Jid::from_parts(address_to_node(*address), context_.domain());
}

Result<std::optional<std::string>> EmailGateway::recipient_user(const std::string& recipient) {
  auto address = parse_address(recipient);
  if (!address) return std::optional<std::string>{};
  if (lower_ascii(address->domain) == lower_ascii(settings_.mail_domain)) {
    if (context_.user_domains().empty()) return std::optional<std::string>{};
    auto jid = xmpp::Jid::from_parts(address->local, context_.user_domains().front());
    if (!jid) return std::optional<std::string>{};
    return std::optional<std::string>(jid->bare_str());
  }
  return conversations_->owner(*address);
}

Result<bool> EmailGateway::user_known(const std::string& user) {
  if (known_users_.count(user)) return true;
  auto jid = xmpp::Jid::parse(user);
  if (!jid) return false;
  bool known = context_.registration(*jid).has_value();
  if (!known) {
    auto marked = conversations_->known(user);
    if (!marked) return std::unexpected(marked.error());
    known = *marked;
  }
  if (known) known_users_.insert(user);
  return known;
}

// ---- presence ----

std::optional<xmpp::Element> EmailGateway::contact_presence(const xmpp::Jid&, const xmpp::Jid& contact) {
  xmpp::Element presence("presence");
  presence.add_child("status").set_text(contact.node().empty() ? "Email gateway" : "Email has no presence");
  return presence;
}

std::vector<std::pair<std::string, std::string>> EmailGateway::statistics() const {
  return {{"mails received", std::to_string(mails_in_.value())},
          {"mails sent", std::to_string(mails_out_.value())},
          {"bounces", std::to_string(bounces_.value())},
          {"inbound connections", std::to_string(listener_ ? listener_->connections() : 0)}};
}

void register_email_gateway() {
  core::register_gateway_kind({"email",
                               [](core::GatewayContext& context) -> std::unique_ptr<core::Gateway> {
                                 return std::make_unique<EmailGateway>(context);
                               },
                               validate_email_config, email_config_keys()});
}

}  // namespace junction::email
