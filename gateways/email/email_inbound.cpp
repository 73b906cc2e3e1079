// Mail -> XMPP. RCPT is answered from memory or one store read; DATA is parsed, threaded and
// its attachments stored on a worker (GMime and SQLite may take a while), then the stanzas
// join the durable delivery queue, and only once they are stored does the MTA get its 250.
// A repeated Message-ID for the same user is answered 250 and delivered once.
#include "email_gateway.hpp"
#include "mail_to_xmpp.hpp"
#include "util/log.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

#include <fmt/format.h>

namespace junction::email {
namespace {
constexpr std::string_view kLog = "email";
constexpr auto kPruneEvery = std::chrono::hours(1);

store::Millis now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string content_hash(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return fmt::format("h{:016x}{:08x}", h, bytes.size());
}

// One recipient's share of a mail, prepared on the worker.
struct Prepared {
  std::string user;  // bare JID; empty when the recipient no longer resolves
  xmpp::Element stanza;
  std::string key;
  std::string error;  // set when nothing could be prepared (temporary failure)
  bool new_contact = false;
  std::string contact, contact_name;
  bool bounce = false;
};

struct Job {
  // In: copied on the loop, so the worker touches no gateway state but the store.
  InboundEnvelope envelope;
  std::vector<std::string> users;  // per recipient, "" when unknown
  std::string gateway, domain, attachment_base;
  EmailSettings settings;
  std::shared_ptr<Conversations> conversations;
  std::shared_ptr<AttachmentStore> attachments;
  store::ContactRepository* contacts = nullptr;
  // Out.
  bool parsed = false;
  std::string parse_error;
  std::vector<Prepared> prepared;
};

// The correspondent: the From address, else the envelope sender. Mail with neither usable
// still arrives, from the gateway itself, rather than being refused after the fact.
std::optional<MailAddress> correspondent(const ParsedMail& mail, const InboundEnvelope& envelope) {
  if (auto from = parse_address(mail.from.address)) return *from;
  if (auto sender = parse_address(envelope.mail_from)) return *sender;
  return std::nullopt;
}

Prepared prepare_bounce(Job& job, const std::string& user, const ParsedMail& mail) {
  Prepared out;
  out.user = user;
  std::vector<std::string> candidates{mail.dsn->original_message_id};
  candidates.push_back(mail.in_reply_to);
  candidates.insert(candidates.end(), mail.references.rbegin(), mail.references.rend());
  for (const auto& id : candidates) {
    if (id.empty()) continue;
    auto sent = job.conversations->find_sent(id);
    if (!sent || !*sent) continue;
    auto sender = xmpp::Jid::parse((*sent)->user);
    // Only the user who sent the mail hears about its bounce, whoever the report is addressed to.
    if (!sender || sender->bare_str() != user) continue;
    out.stanza = bounce_to_error(**sent, *mail.dsn);
    out.key = "dsn:" + id + "|" + user;
    out.bounce = true;
    return out;
  }
  return out;  // not ours: delivered as a labelled mail by the caller
}

Prepared prepare_chat(Job& job, const std::string& user, const ParsedMail& mail,
                      const std::vector<AttachmentLink>& links) {
  Prepared out;
  out.user = user;
  std::string from_jid = job.domain;
  auto sender = correspondent(mail, job.envelope);
  if (sender) {
    auto jid = xmpp::Jid::from_parts(address_to_node(*sender), job.domain);
    if (jid) from_jid = jid->bare_str();
  }
  ChatMapping mapping;
  mapping.from = from_jid;
  mapping.to = user;
  mapping.quoted_tail = job.settings.quoted_tail;
  mapping.attachments = links;
  if (sender) {
    (void)job.conversations->remember_case(*sender);
    auto thread = job.conversations->inbound(user, *sender, mail);
    if (!thread) {
      out.error = "storage failed: " + thread.error().message;
      return out;
    }
    mapping.thread = *thread;
  }
  out.stanza = mail_to_chat(mail, mapping);
  std::string id = mail.message_id.empty() ? content_hash(job.envelope.message) : mail.message_id;
  out.key = "mail:" + id + "|" + user;
  // Machine mail (a bounce we could not match, an auto-reply) is not a person to add.
  bool person = !mail.is_dsn() && !mail.auto_submitted;
  if (person && from_jid != job.domain && job.contacts) {
    auto existing = job.contacts->get(job.gateway, user, from_jid);
    if (existing && !*existing) {
      store::Contact row{job.gateway, user, from_jid, mail.from.name, store::Subscription::none, now_millis()};
      out.new_contact = job.contacts->upsert(row).has_value();
      out.contact = from_jid;
      out.contact_name = mail.from.name;
    }
  }
  return out;
}

void run_job(Job& job) {
  ParseOptions options;
  options.max_attachment_bytes = job.settings.max_attachment_bytes;
  options.max_total_attachment_bytes = std::max(job.settings.max_attachment_bytes, job.settings.max_message_bytes);
  auto mail = parse_mail(job.envelope.message, options);
  if (!mail) {
    job.parse_error = mail.error().message;
    return;
  }
  job.parsed = true;

  // Attachments are stored once for all recipients: the link is the same file.
  std::vector<AttachmentLink> links;
  store::Millis expires = now_millis() + std::chrono::duration_cast<std::chrono::milliseconds>(job.settings.attachment_ttl).count();
  bool any_user = std::any_of(job.users.begin(), job.users.end(), [](const auto& u) { return !u.empty(); });
  if (any_user && !mail->is_dsn()) {
    for (const auto& a : mail->attachments) {
      AttachmentLink link{safe_filename(a.filename), a.content_type, a.size, {}};
      if (!a.omitted && a.size <= job.settings.max_attachment_bytes) {
        if (auto token = job.attachments->put(a, expires)) link.url = job.attachment_base + *token;
      }
      links.push_back(std::move(link));
    }
  }
  for (const auto& user : job.users) {
    if (user.empty()) {
      job.prepared.push_back({});
      continue;
    }
    if (mail->is_dsn()) {
      Prepared bounce = prepare_bounce(job, user, *mail);
      if (bounce.bounce) {
        job.prepared.push_back(std::move(bounce));
        continue;
      }
    }
    job.prepared.push_back(prepare_chat(job, user, *mail, links));
  }
}

}  // namespace

void EmailGateway::check_recipient(const std::string& recipient, LmtpSession::RcptAnswer answer) {
  auto user = recipient_user(recipient);
  if (!user) return answer(RcptVerdict::temporary_failure);
  if (!*user) return answer(RcptVerdict::unknown_user);
  auto known = user_known(**user);
  if (!known) return answer(RcptVerdict::temporary_failure);
  answer(*known ? RcptVerdict::accept : RcptVerdict::unknown_user);
}

void EmailGateway::deliver_mail(InboundEnvelope envelope, LmtpSession::DeliveryAnswer answer) {
  auto job = std::make_shared<Job>();
  for (const auto& rcpt : envelope.recipients) {
    auto user = recipient_user(rcpt);
    job->users.push_back(user && *user ? **user : std::string());
  }
  job->envelope = std::move(envelope);
  job->gateway = context_.name();
  job->domain = context_.domain();
  job->attachment_base = context_.public_url() + "/webhooks/" + context_.name() + "/attachment?t=";
  job->settings = settings_;
  job->conversations = conversations_;
  job->attachments = attachments_;
  job->contacts = &context_.store().contacts();

  context_.offload([job] { run_job(*job); },
                   [this, alive = std::weak_ptr(alive_), job, answer = std::move(answer)]() mutable {
                     std::size_t n = job->users.size();
                     if (alive.expired())
                       return answer(std::vector<DeliveryStatus>(n, {DeliveryOutcome::temporary_failure, "shutting down"}));
                     if (!job->parsed) {
                       log::warn(kLog, "{}: unreadable mail refused: {}", context_.name(), job->parse_error);
                       return answer(std::vector<DeliveryStatus>(n, {DeliveryOutcome::permanent_failure, "unreadable message"}));
                     }
                     auto statuses = std::make_shared<std::vector<DeliveryStatus>>(n);
                     auto remaining = std::make_shared<std::size_t>(n);
                     auto shared_answer = std::make_shared<LmtpSession::DeliveryAnswer>(std::move(answer));
                     auto finish_one = [statuses, remaining, shared_answer](std::size_t i, DeliveryStatus status) {
                       (*statuses)[i] = std::move(status);
                       if (--*remaining == 0) (*shared_answer)(std::move(*statuses));
                     };
                     for (std::size_t i = 0; i < n; ++i) {
                       Prepared& p = job->prepared[i];
                       if (p.user.empty()) {
                         finish_one(i, {DeliveryOutcome::permanent_failure, "no such user here"});
                         continue;
                       }
                       if (!p.error.empty()) {
                         finish_one(i, {DeliveryOutcome::temporary_failure, p.error});
                         continue;
                       }
                       context_.deliver_async(
                           std::move(p.stanza), p.key, p.user,
                           [this, alive, i, finish_one, bounce = p.bounce, new_contact = p.new_contact,
                            user = p.user, contact = p.contact, name = p.contact_name](Result<bool> stored) {
                             if (!stored) return finish_one(i, {DeliveryOutcome::temporary_failure, "storage failed"});
                             if (!alive.expired() && *stored) {
                               (bounce ? bounces_ : mails_in_).inc();
                               if (new_contact) {
                                 // Email has no roster: offer the correspondent as a contact.
                                 xmpp::Element subscribe("presence");
                                 subscribe.set_attr("type", "subscribe");
                                 subscribe.set_attr("from", contact);
                                 subscribe.set_attr("to", user);
                                 if (!name.empty())
                                   subscribe.add_child("nick", std::string(xmpp::ns::nick))
                                       .set_text(xmpp::sanitize_xml_text(name));
                                 context_.send(std::move(subscribe));
                               }
                             }
                             finish_one(i, {DeliveryOutcome::delivered, *stored ? "delivered" : "duplicate"});
                           });
                     }
                   });
}

void EmailGateway::schedule_prune() {
  if (!prune_timer_) prune_timer_ = std::make_unique<asio::steady_timer>(context_.io());
  prune_timer_->expires_after(kPruneEvery);
  prune_timer_->async_wait([this, alive = std::weak_ptr(alive_)](boost::system::error_code ec) {
    if (ec || alive.expired()) return;
    context_.offload(
        [attachments = attachments_] {
          if (auto removed = attachments->prune(now_millis()); removed && *removed > 0)
            log::info(kLog, "expired {} mail attachments", *removed);
        },
        [] {});
    schedule_prune();
  });
}

}  // namespace junction::email
