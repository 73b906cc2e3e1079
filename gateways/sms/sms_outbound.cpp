// XMPP -> SMS: checks, the durable outbox, the provider request, and what a failure tells the
// sender. Nothing is sent before it is stored; see README.md ("Exactly once") for the window in
// which a crash can still repeat a send to a provider without idempotency.
#include "gateways/sms/phone_number.hpp"
#include "gateways/sms/segments.hpp"
#include "gateways/sms/sms_gateway.hpp"
#include "util/log.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

#include <fmt/format.h>

namespace junction::sms {
namespace {

std::string trim(std::string text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// Clients put the uploaded file's URL in the body too, for receivers without XEP-0066; an MMS
// carries the file itself, so the URL would only be noise in the text.
std::string without_urls(std::string body, const std::vector<std::string>& urls) {
  for (const auto& url : urls) {
    for (auto at = body.find(url); at != std::string::npos; at = body.find(url)) body.erase(at, url.size());
  }
  return trim(std::move(body));
}

std::string encoding_name(Encoding e) { return e == Encoding::gsm7 ? "GSM-7" : "UCS-2"; }

}  // namespace

void SmsGateway::reply_error(const xmpp::Element& stanza, std::string_view type, std::string_view condition,
                             const std::string& text) {
  context_.send(xmpp::make_error_reply(stanza, type, condition, text));
}

void SmsGateway::on_message(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to) {
  auto type = stanza.attr_or("type", "normal");
  if (type == "error" || type == "groupchat" || type == "headline") return;
  std::vector<std::string> media;
  for (const auto* x : stanza.children("x", xmpp::ns::oob))
    if (auto url = trim(x->child_text("url")); !url.empty()) media.push_back(url);
  std::string body = stanza.child_text("body");
  if (body.empty() && media.empty()) return;  // chat states, receipts, markers
  if (to.node().empty()) {
    return reply_error(stanza, "modify", "bad-request",
                       "Write to a phone number, e.g. +15551234567@" + context_.domain() + ".");
  }
  if (auto name = xmpp::unescape_node(to.node()); is_alphanumeric_sender(name)) {
    return reply_error(stanza, "cancel", "not-acceptable",
                       fmt::format("\"{}\" is an alphanumeric sender ID: it can send texts but can't receive them, "
                                   "so there is no way to reply to it by SMS.",
                                   name));
  }
  auto number = number_from_node(to.node(), settings_.default_country);
  if (!number) return reply_error(stanza, "modify", "jid-malformed", number.error().message);

  const std::string user = from.bare_str();
  auto own = numbers_.number_of(user);
  if (!own) {
    std::string how =
        settings_.self_service ? ", or register your own provider account and number with this gateway" : "";
    return reply_error(stanza, "auth", "registration-required",
                       "You have no phone number at this gateway yet: ask an administrator to assign one" + how + ".");
  }
  if (!media.empty()) body = without_urls(std::move(body), media);
  auto segments = count_segments(body);
  if (static_cast<int>(segments.segments) > settings_.max_segments) {
    return reply_error(stanza, "modify", "not-acceptable",
                       fmt::format("This text would go out as {} SMS ({} encoding); the limit is {}. Shorten it or "
                                   "split it into several messages.",
                                   segments.segments, encoding_name(segments.encoding), settings_.max_segments));
  }

  OutboundEntry out;
  out.user = from.str();
  out.contact = contact_jid(*number).bare_str();
  out.from = own->number;
  out.to = *number;
  out.body = body;
  out.media_urls = std::move(media);
  out.stanza_id = stanza.attr_or("id");
  out.receipt = !out.stanza_id.empty() && stanza.child("request", xmpp::ns::receipts) != nullptr;

  store::OutboxEntry entry;
  // The same stanza resent by a client (stream resumption, a retry) is one SMS, not two.
  entry.key = user + "|" + out.contact + "|" + out.stanza_id;
  if (out.stanza_id.empty())
    entry.key += "|t" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  entry.user = user;
  entry.payload = encode_outbound(out);
  // Group-committed with the other texts of a burst: the loop never waits for the disk.
  context_.queue_to_legacy_async(
      std::move(entry), [this, alive = std::weak_ptr<bool>(alive_), stanza = std::make_shared<xmpp::Element>(stanza),
                         user](Result<store::EnqueueResult> queued) {
        if (queued || alive.expired()) return;
        log::error("sms", "{}: cannot store a text from {}: {}", context_.name(), user, queued.error().message);
        reply_error(*stanza, "wait", "internal-server-error", "The message could not be stored; try again.");
      });
}

void SmsGateway::send_sms(const store::OutboxEntry& entry, std::function<void(core::SendOutcome)> done) {
  auto out = decode_outbound(entry.payload);
  if (!out) return done({core::SendOutcome::Kind::permanent, "unreadable outbox entry", {}, {}});
  auto provider = provider_for(entry.user);
  auto signer = provider == provider_ ? std::string{} : entry.user;
  OutboundSms sms{out->from, out->to, out->body, out->media_urls, outbound_message_id(entry.id), {}};
  auto request = provider->build_send(sms);
  if (!request) return done({core::SendOutcome::Kind::permanent, request.error().message, {}, {}});
  auto wait = limiter_.reserve(RateLimiter::Clock::now());
  if (wait.count() == 0)
    return dispatch(entry.id, std::move(signer), std::move(provider), std::move(sms), std::move(*request),
                    std::move(done));
  auto timer = std::make_shared<asio::steady_timer>(context_.io(), wait);
  timer->async_wait([this, timer, id = entry.id, alive = std::weak_ptr<bool>(alive_), signer = std::move(signer),
                     provider = std::move(provider), sms = std::move(sms), request = std::move(*request),
                     done = std::move(done)](const boost::system::error_code&) mutable {
    if (alive.expired()) return done({core::SendOutcome::Kind::transient, "gateway stopping", {}, {}});
    dispatch(id, std::move(signer), std::move(provider), std::move(sms), std::move(request), std::move(done));
  });
}

void SmsGateway::dispatch(std::int64_t entry_id, std::string signer, std::shared_ptr<const Provider> provider,
                          OutboundSms sms, ProviderRequest request, std::function<void(core::SendOutcome)> done) {
  net::HttpClientRequest http{request.method, request.url,        request.headers,
                              request.body,   request.basic_user, request.basic_password};
  http_->request(std::move(http), [this, entry_id, signer = std::move(signer), alive = std::weak_ptr<bool>(alive_),
                                   provider = std::move(provider), sms = std::move(sms),
                                   done = std::move(done)](Result<net::HttpClientResponse> response) {
    SendResult result =
        response ? provider->parse_send_response(sms, HttpReply{response->status, response->headers, response->body})
                 : transport_failure(fmt::format("{}: {}", provider->kind(), response.error().message));
    if (alive.expired()) return done({core::SendOutcome::Kind::transient, "gateway stopping", {}, {}});
    note_send_result(result.kind, result.error);
    // Known at once, before the outbox has committed the id: a delivery report can be quick.
    if (result.kind == SendKind::success && !result.provider_id.empty()) remember_send(result.provider_id, entry_id);
    if (result.kind == SendKind::success && result.part_ids.size() > 1) remember_parts(entry_id, result.part_ids);
    core::SendOutcome outcome;
    switch (result.kind) {
      case SendKind::success:
        outcome.kind = core::SendOutcome::Kind::success;
        break;
      case SendKind::transient:
        outcome.kind = core::SendOutcome::Kind::transient;
        break;
      case SendKind::permanent:
        outcome.kind = core::SendOutcome::Kind::permanent;
        break;
    }
    outcome.error = result.error;
    outcome.provider_ref = result.provider_id;
    if (result.kind == SendKind::success && !early_reports_.empty()) {
      apply_early_report(entry_id, result.provider_id, signer, provider->kind());
      for (std::size_t i = 1; i < result.part_ids.size(); ++i)
        apply_early_report(entry_id, result.part_ids[i], signer, provider->kind());
    }
    if (result.retry_after)
      outcome.retry_after = std::chrono::duration_cast<std::chrono::milliseconds>(*result.retry_after);
    done(std::move(outcome));
  });
}

void SmsGateway::send_failed(const store::OutboxEntry& entry, const std::string& reason) {
  auto out = decode_outbound(entry.payload);
  if (!out) return;
  notify_failure("fail:" + entry.key, *out, reason, [this, user = entry.user](Result<bool> stored) {
    if (!stored)
      log::error("sms", "{}: cannot tell {} about a failed text: {}", context_.name(), user, stored.error().message);
  });
}

void SmsGateway::notify_failure(const std::string& key, const OutboundEntry& entry, const std::string& reason,
                                std::function<void(Result<bool>)> done) {
  xmpp::Element error("message");
  error.set_attr("type", "error");
  error.set_attr("from", entry.contact);
  error.set_attr("to", entry.user);
  if (!entry.stanza_id.empty()) error.set_attr("id", entry.stanza_id);
  if (!entry.body.empty()) error.add_child("body").set_text(entry.body);
  auto& e = error.add_child("error");
  e.set_attr("type", "cancel");
  e.add_child("recipient-unavailable", std::string(xmpp::ns::stanza_errors));
  e.add_child("text", std::string(xmpp::ns::stanza_errors))
      .set_text("Not delivered to " + display_number(entry.to) + ": " + reason);
  auto bare = xmpp::Jid::parse(entry.user);
  context_.deliver_async(std::move(error), key, bare ? bare->bare_str() : entry.user, std::move(done));
}

}  // namespace junction::sms
