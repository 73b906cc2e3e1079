#pragma once
// The Gateway API: what a gateway implements, and what its GatewayHost gives it.
// The host owns one XEP-0114 component connection for the gateway's domain and answers the
// services every gateway shares (disco, version, ping, registration, jabber:iq:gateway,
// ad-hoc commands, presence subscriptions and probes, error replies, durable delivery).
// A gateway only translates: stanzas to its contacts in, stanzas from its contacts out.
// Everything here runs on the event loop thread unless said otherwise.
#include "net/http_server.hpp"
#include "store/repositories.hpp"
#include "util/asio.hpp"
#include "util/metrics.hpp"
#include "util/result.hpp"
#include "xmpp/data_form.hpp"
#include "xmpp/element.hpp"
#include "xmpp/jid.hpp"

#include <toml++/toml.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace junction::core {

struct Identity {
  std::string category;  // "gateway", "conference"...
  std::string type;      // "irc", "sms", "smtp"...
  std::string name;      // human-readable
};

struct DiscoInfo {
  std::vector<Identity> identities;
  std::vector<std::string> features;
  std::vector<xmpp::DataForm> extensions;  // XEP-0128
};

struct DiscoItem {
  std::string jid;
  std::string name;
  std::string node;
};

// An XEP-0050 command. The host runs the session: the first call has no form; a handler that
// needs input answers with a form (status executing); the user's submission comes back in the
// next call with `form` set. Every reply ends in `respond` being called exactly once.
struct CommandRequest {
  xmpp::Jid from;  // full JID of the user
  xmpp::Jid to;    // the JID the command was run on (gateway domain or a contact)
  std::string action;  // execute | next | complete | prev | cancel
  std::optional<xmpp::DataForm> form;  // submitted values, absent on the first call
};
struct CommandResponse {
  enum class Status { executing, completed, canceled } status = Status::completed;
  std::optional<xmpp::DataForm> form;  // a form to fill (executing) or a result (completed)
  std::vector<std::pair<std::string, std::string>> notes;  // (type info|warn|error, text)
  std::optional<std::string> error_condition;  // RFC 6120 condition: answer with an iq error
  std::string error_text;
};
struct AdhocCommand {
  std::string node;
  std::string name;
  bool admin_only = false;
  std::function<void(const CommandRequest&, std::function<void(CommandResponse)> respond)> run;
};

// Result of one attempt to send an outbox entry to the legacy network.
struct SendOutcome {
  enum class Kind { success, transient, permanent } kind = Kind::success;
  std::string error;            // provider's reason, shown to the user on permanent failure
  std::optional<std::chrono::milliseconds> retry_after;  // e.g. from HTTP 429 Retry-After
  std::string provider_ref;     // provider's id for the accepted message, if any
};
using LegacySender = std::function<void(const store::OutboxEntry&, std::function<void(SendOutcome)> done)>;

// What the host gives a gateway.
class GatewayContext {
 public:
  virtual ~GatewayContext() = default;

  virtual const std::string& name() const = 0;        // the config section's name: [gateways.NAME]
  virtual const std::string& domain() const = 0;      // the component domain
  virtual const toml::table& config() const = 0;      // the gateway's own config section
  virtual asio::io_context& io() = 0;
  virtual store::Store& store() = 0;
  virtual Metrics& metrics() = 0;

  // Sends a stanza on the component stream now (dropped, with a log line, while the stream is
  // down: use deliver() for anything that must not be lost). "from" defaults to the domain.
  virtual void send(xmpp::Element stanza) = 0;
  // Durable legacy->XMPP delivery: stored (de-duplicated by key) before this returns, then
  // written to the stream, resent after reconnects until a ping barrier confirms it. Returns
  // false (with nothing stored twice) when `key` was already delivered or queued.
  virtual Result<bool> deliver(xmpp::Element stanza, const std::string& key, const std::string& user) = 0;
  // deliver() for bursts (webhooks): the store write joins a group commit on a worker, shared
  // with every other deliver_async() waiting at the time, so a burst costs one disk sync
  // rather than one per stanza. `done` runs on the loop once the entry is stored (true), was
  // already known (false), or could not be stored (error); answer the peer only then.
  // The default stores synchronously, as deliver() does.
  virtual void deliver_async(xmpp::Element stanza, std::string key, std::string user,
                             std::function<void(Result<bool>)> done) {
    done(deliver(std::move(stanza), key, user));
  }

  // Durable XMPP->legacy sending: the entry is stored, then `sender` (set once by the
  // gateway) is called with retries and exponential backoff on transient outcomes.
  virtual void set_legacy_sender(LegacySender sender) = 0;
  // Called once when an entry fails for good (a permanent outcome, or transient ones until
  // the retry limit): the gateway tells the user, with `reason`.
  virtual void set_legacy_failure_handler(
      std::function<void(const store::OutboxEntry&, const std::string& reason)> handler) = 0;
  virtual Result<store::EnqueueResult> queue_to_legacy(store::OutboxEntry entry) = 0;
  // The same, group-committed on a worker with other waiting writes (the event loop never
  // waits for the disk); `done` runs on the loop once the entry is stored.
  virtual void queue_to_legacy_async(store::OutboxEntry entry,
                                     std::function<void(Result<store::EnqueueResult>)> done) {
    done(queue_to_legacy(std::move(entry)));
  }

  // Runs `work` on a worker thread and `done` with its result back on the loop.
  virtual void offload(std::function<void()> work, std::function<void()> done) = 0;

  // Webhooks: registers /webhooks/<name>/<suffix> on the HTTP listener.
  virtual void add_webhook(const std::string& method, const std::string& suffix, net::HttpHandler handler) = 0;
  virtual std::string public_url() const = 0;  // [http] public_url, without trailing slash

  // Users.
  virtual bool user_allowed(const xmpp::Jid& user) const = 0;  // domain in user_domains
  virtual bool is_admin(const xmpp::Jid& user) const = 0;
  virtual std::vector<xmpp::Jid> online_resources(const xmpp::Jid& bare_user) const = 0;
  virtual std::optional<store::Registration> registration(const xmpp::Jid& bare_user) = 0;
  // First of user_domains (where e.g. the email gateway delivers a mail_domain address).
  virtual const std::vector<std::string>& user_domains() const = 0;

  // Presence of a contact to a user, sent now and remembered for probes.
  virtual void set_contact_presence(const xmpp::Jid& user, const xmpp::Element& presence) = 0;
};

class Gateway {
 public:
  virtual ~Gateway() = default;

  virtual Identity identity() const = 0;
  // Further identities of the gateway domain (an IRC gateway is also a conference service).
  virtual std::vector<Identity> extra_identities() const { return {}; }
  virtual std::vector<std::string> features() const { return {}; }  // extra disco#info features
  virtual void start() {}
  // Clean shutdown (IRC QUIT...). Call `done` when finished; the host waits a bounded time.
  virtual void stop(std::function<void()> done) { done(); }
  // SIGHUP: the new config section for this gateway.
  virtual void reload(const toml::table&) {}

  // XEP-0077. Fields beyond the host's own; `existing` holds the current values on change.
  virtual std::string registration_instructions() const { return "Register to use this gateway."; }
  virtual std::vector<xmpp::FormField> registration_fields(const store::Registration* existing) const {
    (void)existing;
    return {};
  }
  // Checks (and may normalise) submitted values; the error text is shown to the user.
  virtual Result<std::map<std::string, std::string>> validate_registration(
      const xmpp::Jid& user, std::map<std::string, std::string> values) {
    (void)user;
    return values;
  }
  virtual void on_registered(const xmpp::Jid& user, const store::Registration&) { (void)user; }
  virtual void on_unregistered(const xmpp::Jid& user) { (void)user; }

  // XEP-0100: the prompt and the translation of a typed legacy address to a JID.
  virtual std::string gateway_description() const { return "Enter the legacy address."; }
  virtual std::string gateway_prompt() const { return "Address"; }
  virtual Result<xmpp::Jid> legacy_to_jid(std::string_view legacy) const = 0;

  // Stanzas addressed to a JID at the domain other than the bare domain itself (contacts,
  // rooms), and messages to the bare domain. Only allowed users reach these.
  virtual void on_message(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to) = 0;
  // Presence other than subscription management (available/unavailable/directed).
  virtual void on_presence(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to) {
    (void)stanza, (void)from, (void)to;
  }
  // An iq to a contact JID, or to the bare domain before the host's own services. Return
  // false to let the host answer (disco/ping defaults, else service-unavailable); a gateway
  // that returns true must answer.
  virtual bool on_iq(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to) {
    (void)stanza, (void)from, (void)to;
    return false;
  }

  // Presence a contact shows (probes, subscription approval). nullopt: unavailable.
  virtual std::optional<xmpp::Element> contact_presence(const xmpp::Jid& user, const xmpp::Jid& contact) {
    (void)user, (void)contact;
    return xmpp::Element("presence");
  }
  // disco#info/items for a JID other than the bare domain; nullopt -> host default.
  virtual std::optional<DiscoInfo> disco_info(const xmpp::Jid& from, const xmpp::Jid& to) {
    (void)from, (void)to;
    return std::nullopt;
  }
  virtual std::vector<DiscoItem> disco_items(const xmpp::Jid& from, const xmpp::Jid& to) {
    (void)from, (void)to;
    return {};
  }

  virtual std::vector<AdhocCommand> commands() { return {}; }

  // Resource tracking: a user's resource became available / unavailable.
  virtual void on_user_available(const xmpp::Jid& full) { (void)full; }
  virtual void on_user_unavailable(const xmpp::Jid& full) { (void)full; }

  // Extra rows for the admin statistics command and /metrics ("queue depth" ...).
  virtual std::vector<std::pair<std::string, std::string>> statistics() const { return {}; }
};

// How main builds gateways from `kind = "..."`. Each gateway folder registers its kind.
struct ConfigProblem {
  int line = 0;  // 0 = the gateway table's own line
  std::string message;
  bool fatal = true;  // false: a warning (unknown key)
};
struct GatewayKind {
  std::string kind;
  std::function<std::unique_ptr<Gateway>(GatewayContext&)> create;
  // Checks the gateway's own keys (the host checks kind/domain/secret/user_domains).
  std::function<std::vector<ConfigProblem>(const toml::table&)> validate;
  // Keys this kind accepts beyond the common ones (for unknown-key warnings).
  std::set<std::string> keys;
};

void register_gateway_kind(GatewayKind kind);
const GatewayKind* find_gateway_kind(std::string_view kind);
std::vector<std::string> gateway_kinds();

}  // namespace junction::core
