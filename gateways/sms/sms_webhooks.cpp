// SMS -> XMPP: the provider's webhooks. Order matters: the signature or token first (403 and
// nothing stored), then the message is stored and de-duplicated by the provider's id, and only
// then does the provider get its 2xx. A provider that gets no 2xx sends again; the id makes
// that harmless.
#include "gateways/sms/phone_number.hpp"
#include "gateways/sms/sms_gateway.hpp"
#include "util/log.hpp"
#include "xmpp/namespaces.hpp"

#include <fmt/format.h>

#include <cctype>

namespace junction::sms {
namespace {

net::HttpResponse plain(int status, std::string text) {
  net::HttpResponse response;
  response.status = status;
  response.body = std::move(text) + "\n";
  return response;
}

net::HttpResponse from_reply(const WebhookReply& reply) {
  net::HttpResponse response;
  response.status = reply.status;
  response.content_type = reply.content_type;
  response.body = reply.body;
  return response;
}

// Answers once the store has spoken: the provider's usual reply, or 503 so it tries again.
std::function<void(Result<bool>)> answer_when_stored(net::Responder respond, WebhookReply ack, std::string what) {
  return [respond = std::move(respond), ack = std::move(ack), what = std::move(what)](Result<bool> stored) {
    if (!stored) {
      log::error("sms", "{} not stored: {}", what, stored.error().message);
      return respond(plain(503, "not stored, try again"));
    }
    respond(from_reply(ack));
  };
}

}  // namespace

WebhookRequest SmsGateway::webhook_request(const net::HttpRequest& request) const {
  return make_webhook_request(request.method, context_.public_url(), request.target, request.headers, request.body);
}

std::shared_ptr<const Provider> SmsGateway::provider_for_number(const std::string& number) {
  auto owned = numbers_.owner_of(number);
  if (!owned || owned->source != NumberSource::own_account) return provider_;
  return provider_for(owned->owner);
}

std::optional<store::OutboxEntry> SmsGateway::sent_entry(const std::string& provider_id) {
  if (provider_id.empty()) return std::nullopt;
  auto& outbox = context_.store().outbox();
  if (auto recent = recent_sends_.find(provider_id); recent != recent_sends_.end())
    if (auto found = outbox.get(recent->second); found && *found) return **found;
  if (auto found = outbox.find_by_provider_ref(context_.name(), provider_id); found && *found) return **found;
  if (auto part = sent_part(provider_id))
    if (auto found = outbox.get(part->entry_id); found && *found) return **found;
  // Our own id (Kannel's reports): valid even before the send's outcome was recorded.
  if (auto id = entry_id_from_message_id(provider_id)) {
    if (auto found = outbox.get(*id);
        found && *found && (*found)->gateway == context_.name() && (*found)->direction == store::Direction::to_legacy)
      return **found;
  }
  return std::nullopt;
}

void SmsGateway::introduce_contact(const std::string& owner, const xmpp::Jid& contact, const std::string& name) {
  std::string cache_key = owner + "\n" + contact.bare_str();
  if (known_contacts_.count(cache_key)) return;
  auto& contacts = context_.store().contacts();
  auto existing = contacts.get(context_.name(), owner, contact.bare_str());
  if (existing && *existing) {
    known_contacts_.insert(cache_key);
    return;
  }
  store::Contact row;
  row.gateway = context_.name();
  row.user = owner;
  row.contact = contact.bare_str();
  row.name = name.empty() ? display_contact(contact.node()) : name;
  if (auto saved = contacts.upsert(row); !saved) {
    log::error("sms", "{}: cannot store contact {} of {}: {}", context_.name(), row.contact, owner,
               saved.error().message);
    return;
  }
  known_contacts_.insert(cache_key);
  // XEP-0100: the gateway asks the user to add the number; the nick names it nicely.
  xmpp::Element subscribe("presence");
  subscribe.set_attr("type", "subscribe");
  subscribe.set_attr("from", contact.bare_str());
  subscribe.set_attr("to", owner);
  subscribe.add_child("nick", std::string(xmpp::ns::nick)).set_text(row.name);
  context_.deliver_async(std::move(subscribe), "sub:" + owner + "|" + contact.bare_str(), owner, [](Result<bool>) {});
}

void SmsGateway::inbound_webhook(const net::HttpRequest& request, net::Responder respond) {
  auto webhook = webhook_request(request);
  // With users' own accounts the signer depends on the number texted: read it first, trusting
  // nothing and storing nothing until that account's check passes.
  auto provider = provider_;
  if (settings_.self_service) {
    if (auto peek = provider_->parse_inbound(webhook))
      if (auto to = normalize_number(peek->to, settings_.default_country)) provider = provider_for_number(*to);
  }
  if (!provider->verify(webhook)) {
    log::warn("sms", "{}: refused an inbound webhook from {}: bad signature or token", context_.name(),
              request.remote_address);
    return respond(plain(403, "forbidden"));
  }
  auto sms = provider->parse_inbound(webhook);
  if (!sms) {
    // One URL may get every event (Telnyx profiles): a delivery report is not an error.
    if (provider->parse_status(webhook)) return status_webhook(request, std::move(respond));
    log::warn("sms", "{}: an inbound webhook not understood: {}", context_.name(), sms.error().message);
    return respond(from_reply(provider->acknowledge()));
  }
  auto to = normalize_number(sms->to, settings_.default_country);
  auto owner = to ? numbers_.owner_of(*to) : std::nullopt;
  if (!owner) {
    log::warn("sms", "{}: a text from {} to {}, a number nobody owns here: dropped", context_.name(), sms->from,
              sms->to);
    return respond(from_reply(provider->acknowledge()));
  }
  // An alphanumeric sender ("ACME") must not be read as a vanity number and answered there.
  const bool alphanumeric = is_alphanumeric_sender(sms->from);
  Result<std::string> from = alphanumeric ? Result<std::string>(fail("an alphanumeric sender"))
                                          : normalize_number(sms->from, settings_.default_country);
  auto contact =
      xmpp::Jid::from_parts(from ? node_from_number(*from) : xmpp::escape_node(sms->from), context_.domain());
  if (!contact) {
    log::warn("sms", "{}: a text from an unusable sender \"{}\": dropped", context_.name(), sms->from);
    return respond(from_reply(provider->acknowledge()));
  }
  introduce_contact(owner->owner, *contact, alphanumeric ? sms->from : std::string{});
  auto done = answer_when_stored(std::move(respond), provider->acknowledge(),
                                 fmt::format("{}: text {}", context_.name(), sms->provider_id));
  if (sms->concat) return collect_part(*sms, owner->owner, *contact, std::move(done));
  deliver_text(owner->owner, *contact, sms->provider_id, sms->body, sms->media_urls, std::move(done));
}

void SmsGateway::deliver_text(const std::string& owner, const xmpp::Jid& contact, const std::string& key,
                              const std::string& body_text, const std::vector<std::string>& media,
                              std::function<void(Result<bool>)> done) {
  xmpp::Element message("message");
  message.set_attr("type", "chat");
  message.set_attr("from", contact.bare_str());
  message.set_attr("to", owner);
  message.set_attr("id", "sms-" + key);
  std::string body = body_text;
  for (const auto& url : media) body += (body.empty() ? "" : "\n") + url;  // the fallback
  message.add_child("body").set_text(body);
  for (const auto& url : media) {
    auto& x = message.add_child("x", std::string(xmpp::ns::oob));
    x.add_child("url").set_text(url);
  }
  message.add_child("store", std::string(xmpp::ns::hints));
  context_.deliver_async(std::move(message), "in:" + key, owner, std::move(done));
}

void SmsGateway::status_webhook(const net::HttpRequest& request, net::Responder respond) {
  auto webhook = webhook_request(request);
  auto refuse = [&](std::string_view why) {
    log::warn("sms", "{}: refused a status webhook from {}: {}", context_.name(), request.remote_address, why);
    respond(plain(403, "forbidden"));
  };
  // Whose credentials check the report. A user's own account names itself in the URL it was
  // given (?account=KEY), which also covers a report that beats the send's answer here;
  // without a key, the account that sent the text, else the operator's.
  const std::string account(param(webhook.query, "account"));
  std::string signer;
  auto provider = provider_;
  if (!account.empty()) {
    auto owner = own_account_owner(account);
    if (!owner) return refuse("an account key nobody registered");
    signer = *owner;
    provider = provider_for(signer);
    if (provider == provider_) return refuse("the account of that key is unusable");
  } else if (settings_.self_service) {
    if (auto peek = provider_->parse_status(webhook))
      if (auto entry = sent_entry(peek->provider_id)) {
        signer = signer_of(entry->user);
        provider = provider_for(entry->user);
      }
  }
  if (!provider->verify(webhook)) return refuse("bad signature or token");
  auto ack = provider->acknowledge();
  auto report = provider->parse_status(webhook);
  if (!report) {
    log::warn("sms", "{}: a status webhook not understood: {}", context_.name(), report.error().message);
    return respond(from_reply(ack));
  }
  auto entry = sent_entry(report->provider_id);
  // A user's own credentials sign only news of that user's texts.
  if (entry && signer_of(entry->user) != signer) return refuse("signed by an account that did not send that text");
  if (!entry) {
    // The provider may report before its answer to our send has reached us (Twilio does,
    // at times): keep the (verified) news until the send's id is recorded.
    if (report->status == DeliveryStatus::delivered || is_failure(report->status)) {
      if (early_reports_.size() >= kMaxEarlyReports) early_reports_.erase(early_reports_.begin());
      early_reports_[report->provider_id] = EarlyReport{*report, signer};
    }
    log::debug("sms", "{}: status {} for a message not known (yet): {}", context_.name(), status_name(report->status),
               report->provider_id);
    return respond(from_reply(ack));
  }
  apply_report(*entry, *report, provider->kind(),
               answer_when_stored(std::move(respond), ack,
                                  fmt::format("{}: status of {}", context_.name(), report->provider_id)));
}

void SmsGateway::apply_report(const store::OutboxEntry& entry, const StatusReport& report, std::string_view kind,
                              std::function<void(Result<bool>)> done) {
  auto out = decode_outbound(entry.payload);
  if (!out) return done(false);
  // A text sent as several parts is delivered when its last part is.
  if (report.status == DeliveryStatus::delivered)
    if (auto part = sent_part(report.provider_id); part && part->entry_id == entry.id) {
      auto all = all_parts_delivered(*part);
      if (!all) return done(std::unexpected(all.error()));
      if (!*all) return done(true);
      // The per-part records go once the receipt is stored, not before: if storing fails,
      // the provider's retry of this report must still find the other parts counted.
      done = [this, entry_id = entry.id, done = std::move(done)](Result<bool> stored) {
        if (stored) forget_part_reports(entry_id);
        done(std::move(stored));
      };
    }
  if (report.status == DeliveryStatus::delivered && out->receipt) {
    xmpp::Element receipt("message");
    receipt.set_attr("from", out->contact);
    receipt.set_attr("to", out->user);
    receipt.add_child("received", std::string(xmpp::ns::receipts)).set_attr("id", out->stanza_id);
    receipt.add_child("store", std::string(xmpp::ns::hints));
    return context_.deliver_async(std::move(receipt), "rcpt:" + entry.key, entry.user, std::move(done));
  }
  if (!is_failure(report.status)) return done(false);
  std::string reason =
      report.error.empty() ? fmt::format("the provider reported it {}", status_name(report.status)) : report.error;
  std::string lower = reason;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.find(kind) == std::string::npos) reason = fmt::format("{}: {}", kind, reason);
  log::info("sms", "{}: text {} from {} {}: {}", context_.name(), report.provider_id, entry.user,
            status_name(report.status), reason);
  notify_failure("fail:" + entry.key, *out, reason, std::move(done));
}

void SmsGateway::remember_send(const std::string& provider_id, std::int64_t entry_id) {
  if (recent_order_.size() >= kRecentSends) {
    recent_sends_.erase(recent_order_.front());
    recent_order_.pop_front();
  }
  recent_sends_[provider_id] = entry_id;
  recent_order_.push_back(provider_id);
}

void SmsGateway::apply_early_report(std::int64_t entry_id, const std::string& provider_id, const std::string& signer,
                                    std::string_view kind) {
  auto it = early_reports_.find(provider_id);
  if (it == early_reports_.end()) return;
  EarlyReport early = std::move(it->second);
  early_reports_.erase(it);
  if (early.signer != signer) {
    log::warn("sms", "{}: a delivery report for {} was signed by another account than the sender's: ignored",
              context_.name(), provider_id);
    return;
  }
  StatusReport report = std::move(early.report);
  auto entry = context_.store().outbox().get(entry_id);
  if (!entry || !*entry) return;
  apply_report(**entry, report, kind, [this](Result<bool> stored) {
    if (!stored)
      log::error("sms", "{}: an early delivery report was not stored: {}", context_.name(), stored.error().message);
  });
}

}  // namespace junction::sms
