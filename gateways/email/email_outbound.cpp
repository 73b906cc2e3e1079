// XMPP -> mail. A chat message is checked (registered sender, a mail address as the contact,
// the rate limit), made into a complete OutboundRequest and queued in the durable outbox
// before anything is sent; the outbox calls send_entry, with retries, until the relay takes
// the mail or refuses it for good.
#include "email_gateway.hpp"
#include "net/smtp_client.hpp"
#include "outbound.hpp"
#include "util/log.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

namespace junction::email {
namespace {
constexpr std::string_view kLog = "email";
}  // namespace

void EmailGateway::on_message(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to) {
  auto type = stanza.attr_or("type", "normal");
  if (type == "error" || type == "groupchat" || type == "headline") return;
  std::string body = stanza.child_text("body");
  if (body.empty()) return;  // chat states, receipts, markers
  auto reject = [&](std::string_view error_type, std::string_view condition, std::string_view text) {
    context_.send(xmpp::make_error_reply(stanza, error_type, condition, text));
  };
  if (to.node().empty())
    return reject("cancel", "service-unavailable", "write to an address, e.g. bob\\40example.com@" + context_.domain());
  auto registration = context_.registration(from.bare());
  if (!registration) return reject("auth", "registration-required", "register with " + context_.domain() + " to send mail");
  auto contact = address_from_node(to.node());
  if (!contact) return reject("modify", "jid-malformed", "not an email address: " + contact.error().message);
  auto sender = sending_address(from.bare(), *registration);
  if (!sender) return reject("cancel", "not-allowed", sender.error().message);
  if (body.size() > settings_.max_message_bytes) return reject("modify", "policy-violation", "the message is too long for a mail");
  if (!rate_limiter_.allow(from.bare_str()))
    return reject("wait", "resource-constraint",
                  "you are sending too many mails; the limit is " + std::to_string(settings_.send_rate_per_minute) +
                      " a minute");

  OutboundRequest request;
  request.user = from.str();
  request.contact = to.bare_str();
  request.stanza_id = stanza.attr_or("id");
  request.from_address = sender->str();
  request.from_name = registration->fields.count("name") ? registration->fields.at("name") : "";
  if (request.from_name.empty()) request.from_name = stanza.child_text("nick", xmpp::ns::nick);
  request.to_address = conversations_->original_case(*contact).str();
  request.subject = stanza.child_text("subject");
  request.body = std::move(body);
  request.message_id = make_message_id(request.stanza_id, settings_.mail_domain);
  auto thread = conversations_->outbound(from.bare_str(), *contact, stanza.child_text("thread"), request.message_id);
  if (!thread) return reject("wait", "internal-server-error", "the conversation could not be stored");
  request.thread = thread->thread;
  request.in_reply_to = thread->in_reply_to;
  request.references = thread->references;

  store::OutboxEntry entry;
  entry.key = from.str() + "|" + to.bare_str() + "|" + request.stanza_id;
  // Without an id a resent message can't be told apart; the Message-ID keeps each distinct.
  if (request.stanza_id.empty()) entry.key += "|" + request.message_id;
  entry.user = from.bare_str();
  entry.payload = encode_request(request);
  if (auto queued = context_.queue_to_legacy(std::move(entry)); !queued)
    return reject("wait", "internal-server-error", "the message could not be stored");
  if (!known_users_.count(from.bare_str())) {
    (void)conversations_->mark_known(from.bare_str());
    known_users_.insert(from.bare_str());
  }
}

void EmailGateway::send_entry(const store::OutboxEntry& entry, std::function<void(core::SendOutcome)> done) {
  auto request = decode_request(entry.payload);
  if (!request) return done({core::SendOutcome::Kind::permanent, "unreadable outbox entry", {}, {}});
  auto text = build_request_message(*request, settings_.default_subject, std::chrono::system_clock::now());
  if (!text) return done({core::SendOutcome::Kind::permanent, text.error().message, {}, {}});
  // Remembered before the relay sees it: a bounce can come back faster than our callback.
  if (auto stored = conversations_->remember_sent(request->message_id,
                                                  {request->user, request->contact, request->stanza_id, request->thread});
      !stored)
    return done({core::SendOutcome::Kind::transient, stored.error().message, {}, {}});

  net::SmtpSubmission submission;
  submission.url = settings_.smtp_url;
  submission.user = settings_.smtp_user;
  submission.password = settings_.smtp_password;
  submission.starttls = settings_.smtp_starttls;
  submission.verify_peer = settings_.smtp_verify_peer;
  submission.mail_from = request->from_address;
  // The envelope names the one recipient: nothing in the text (a Bcc: line, say) adds one.
  submission.rcpt_to = {request->to_address};
  submission.message = std::move(*text);
  smtp_->send(std::move(submission), [this, alive = std::weak_ptr(alive_), done = std::move(done),
                                      id = request->message_id](net::SmtpOutcome outcome) {
    if (alive.expired()) return done({core::SendOutcome::Kind::transient, "gateway stopped", {}, {}});
    if (outcome) {
      mails_out_.inc();
      log::debug(kLog, "{}: {} accepted: {}", context_.name(), id, outcome->reply);
      return done({core::SendOutcome::Kind::success, {}, {}, outcome->reply});
    }
    const auto& error = outcome.error();
    auto kind = error.failure == net::SmtpFailure::permanent ? core::SendOutcome::Kind::permanent
                                                             : core::SendOutcome::Kind::transient;
    log::info(kLog, "{}: {} not sent ({}): {}", context_.name(), id,
              kind == core::SendOutcome::Kind::permanent ? "permanent" : "transient", error.message);
    done({kind, "the mail server refused the mail: " + error.message, {}, {}});
  });
}

void EmailGateway::on_send_failed(const store::OutboxEntry& entry, const std::string& reason) {
  auto request = decode_request(entry.payload);
  if (!request) return;
  xmpp::Element error("message");
  error.set_attr("type", "error");
  error.set_attr("from", request->contact);
  error.set_attr("to", request->user);
  if (!request->stanza_id.empty()) error.set_attr("id", request->stanza_id);
  error.add_child("body").set_text(xmpp::sanitize_xml_text(request->body));
  auto& e = error.add_child("error");
  e.set_attr("type", "cancel");
  e.add_child("recipient-unavailable", std::string(xmpp::ns::stanza_errors));
  e.add_child("text", std::string(xmpp::ns::stanza_errors)).set_text(xmpp::sanitize_xml_text(reason));
  if (auto stored = context_.deliver(std::move(error), "fail:" + entry.key, entry.user); !stored)
    log::error(kLog, "{}: cannot store the failure notice for {}: {}", context_.name(), entry.user,
               stored.error().message);
}

}  // namespace junction::email
