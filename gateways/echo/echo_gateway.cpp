#include "gateways/echo/echo_gateway.hpp"

#include "util/log.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

#include <algorithm>
#include <cctype>

namespace junction::gateways::echo {
namespace {
constexpr std::string_view default_prefix = "echo: ";

// What goes to the outbox: the user's full JID, the contact, and the text, one per line
// (JIDs cannot contain a newline; the body is last so it may).
std::string encode_entry(const xmpp::Jid& user, const xmpp::Jid& contact, std::string_view body) {
  return user.str() + "\n" + contact.str() + "\n" + std::string(body);
}

struct DecodedEntry {
  xmpp::Jid user, contact;
  std::string body;
};

std::optional<DecodedEntry> decode_entry(std::string_view payload) {
  auto first = payload.find('\n');
  auto second = first == std::string_view::npos ? first : payload.find('\n', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  auto user = xmpp::Jid::parse(payload.substr(0, first));
  auto contact = xmpp::Jid::parse(payload.substr(first + 1, second - first - 1));
  if (!user || !contact) return std::nullopt;
  return DecodedEntry{*user, *contact, std::string(payload.substr(second + 1))};
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return c < 0x80 ? static_cast<char>(std::toupper(c)) : static_cast<char>(c); });
  return text;
}

xmpp::Element chat(const std::string& from, const std::string& to, const std::string& body) {
  xmpp::Element message("message");
  message.set_attr("type", "chat");
  message.set_attr("from", from);
  message.set_attr("to", to);
  message.add_child("body").set_text(body);
  return message;
}
}  // namespace

EchoGateway::EchoGateway(core::GatewayContext& context) : context_(context) { reload(context.config()); }

void EchoGateway::reload(const toml::table& config) {
  prefix_ = config["prefix"].value_or(std::string(default_prefix));
  webhook_token_ = config["webhook_token"].value_or(std::string());
}

void EchoGateway::start() {
  context_.set_legacy_sender(
      [this](const store::OutboxEntry& entry, std::function<void(core::SendOutcome)> done) {
        send_to_echo_network(entry, std::move(done));
      });
  context_.set_legacy_failure_handler([this](const store::OutboxEntry& entry, const std::string& reason) {
    if (auto decoded = decode_entry(entry.payload)) {
      xmpp::Element error = chat(decoded->contact.str(), decoded->user.str(), decoded->body);
      error.set_attr("type", "error");
      auto& e = error.add_child("error");
      e.set_attr("type", "cancel");
      e.add_child("recipient-unavailable", std::string(xmpp::ns::stanza_errors));
      e.add_child("text", std::string(xmpp::ns::stanza_errors)).set_text(reason);
      context_.send(std::move(error));
    }
  });
  context_.add_webhook("POST", "inbound", [this](const net::HttpRequest& request, net::Responder respond) {
    inbound_webhook(request, std::move(respond));
  });
}

std::string EchoGateway::registration_instructions() const {
  return "Register with the echo gateway. Every message you send to a contact at this domain comes back.";
}

std::vector<xmpp::FormField> EchoGateway::registration_fields(const store::Registration*) const {
  xmpp::FormField shout;
  shout.var = "shout";
  shout.type = "boolean";
  shout.label = "Echo in capital letters";
  shout.values = {"0"};
  return {shout};
}

Result<std::map<std::string, std::string>> EchoGateway::validate_registration(
    const xmpp::Jid&, std::map<std::string, std::string> values) {
  auto& shout = values["shout"];
  if (shout == "true" || shout == "1")
    shout = "1";
  else if (shout.empty() || shout == "false" || shout == "0")
    shout = "0";
  else
    return fail("\"Echo in capital letters\" must be true or false");
  return values;
}

Result<xmpp::Jid> EchoGateway::legacy_to_jid(std::string_view legacy) const {
  if (legacy.empty()) return fail("enter a name");
  return xmpp::Jid::from_parts(xmpp::escape_node(legacy), context_.domain());
}

void EchoGateway::on_message(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to) {
  auto type = stanza.attr_or("type", "normal");
  if (type == "error" || type == "groupchat" || type == "headline") return;
  std::string body = stanza.child_text("body");
  if (body.empty()) return;  // chat states and receipts carry no text
  if (to.node().empty()) {
    context_.send(xmpp::make_error_reply(stanza, "cancel", "service-unavailable",
                                         "write to a contact at this domain, e.g. bob@" + context_.domain()));
    return;
  }
  store::OutboxEntry entry;
  entry.key = from.str() + "|" + to.bare_str() + "|" + stanza.attr_or("id");
  // Without an id a resent message can't be told apart; the clock keeps each one distinct.
  if (stanza.attr_or("id").empty())
    entry.key += "t" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  entry.user = from.bare_str();
  entry.payload = encode_entry(from, to.bare(), body);
  context_.queue_to_legacy_async(std::move(entry), [this, stanza](Result<store::EnqueueResult> queued) {
    if (!queued)
      context_.send(xmpp::make_error_reply(stanza, "wait", "internal-server-error", "the message could not be stored"));
  });
}

void EchoGateway::send_to_echo_network(const store::OutboxEntry& entry, std::function<void(core::SendOutcome)> done) {
  auto decoded = decode_entry(entry.payload);
  if (!decoded) return done({core::SendOutcome::Kind::permanent, "unreadable outbox entry", {}, {}});
  auto reply = chat(decoded->contact.str(), decoded->user.str(), reply_text(decoded->user.bare_str(), decoded->body));
  // The echo network's own message id is the outbox key: a retry can't echo twice.
  std::string echo_id = "echo:" + entry.key;
  context_.deliver_async(std::move(reply), echo_id, decoded->user.bare_str(),
                         [done = std::move(done), echo_id](Result<bool> stored) {
                           if (!stored) return done({core::SendOutcome::Kind::transient, stored.error().message, {}, {}});
                           done({core::SendOutcome::Kind::success, {}, {}, echo_id});
                         });
}

std::string EchoGateway::reply_text(const std::string& user, const std::string& body) {
  auto jid = xmpp::Jid::parse(user);
  auto registration = jid ? context_.registration(*jid) : std::nullopt;
  bool shout = registration && registration->fields.count("shout") && registration->fields.at("shout") == "1";
  auto own_prefix = context_.store().kv().get(context_.name(), user, "prefix");
  const std::string& prefix = own_prefix && *own_prefix ? **own_prefix : prefix_;
  return prefix + (shout ? upper(body) : body);
}

void EchoGateway::inbound_webhook(const net::HttpRequest& request, net::Responder respond) {
  std::map<std::string, std::string> form;
  for (auto& [key, value] : net::HttpRequest::parse_form(request.body)) form.emplace(key, value);
  auto answer = [&respond](int status, std::string text) {
    net::HttpResponse response;
    response.status = status;
    response.body = std::move(text) + "\n";
    respond(std::move(response));
  };
  if (!webhook_token_.empty() && form["token"] != webhook_token_) return answer(403, "bad token");
  auto user = xmpp::Jid::parse(form["to"]);
  if (!user || !context_.user_allowed(*user)) return answer(400, "\"to\" must be a user of this gateway");
  if (form["id"].empty() || form["from"].empty()) return answer(400, "\"id\" and \"from\" are required");
  auto contact = xmpp::Jid::from_parts(xmpp::escape_node(form["from"]), context_.domain());
  if (!contact) return answer(400, "bad \"from\": " + contact.error().message);
  auto message = chat(contact->str(), user->bare_str(), form["body"]);
  auto stored = context_.deliver(std::move(message), "hook:" + form["id"], user->bare_str());
  if (!stored) return answer(503, "not stored: " + stored.error().message);
  answer(200, *stored ? "stored" : "duplicate");
}

std::optional<xmpp::Element> EchoGateway::contact_presence(const xmpp::Jid&, const xmpp::Jid& contact) {
  xmpp::Element presence("presence");
  presence.add_child("status").set_text(contact.node().empty() ? "Echo gateway" : "Echoes what you write");
  return presence;
}

std::vector<core::AdhocCommand> EchoGateway::commands() {
  // A two-step command: the first call shows the form, the submission stores the value.
  core::AdhocCommand prefix;
  prefix.node = "echo/prefix";
  prefix.name = "Set the text put before my echoes";
  prefix.run = [this](const core::CommandRequest& request, std::function<void(core::CommandResponse)> respond) {
    const std::string user = request.from.bare_str();
    core::CommandResponse response;
    if (!request.form) {
      auto current = context_.store().kv().get(context_.name(), user, "prefix");
      xmpp::DataForm form;
      form.title = "Echo prefix";
      form.instructions.push_back("Text put before every echo sent to you. Empty restores the default.");
      xmpp::FormField field;
      field.var = "prefix";
      field.type = "text-single";
      field.label = "Prefix";
      field.values = {current && *current ? **current : prefix_};
      form.fields.push_back(std::move(field));
      response.status = core::CommandResponse::Status::executing;
      response.form = std::move(form);
      return respond(std::move(response));
    }
    std::string value = request.form->value("prefix");
    if (value.size() > 100 || value.find_first_of("\r\n") != std::string::npos) {
      response.error_condition = "not-acceptable";
      response.error_text = "the prefix must be one line of at most 100 bytes";
      return respond(std::move(response));
    }
    std::optional<Error> failed;
    if (value.empty()) {
      if (auto erased = context_.store().kv().erase(context_.name(), user, "prefix"); !erased) failed = erased.error();
    } else if (auto saved = context_.store().kv().put(context_.name(), user, "prefix", value); !saved) {
      failed = saved.error();
    }
    if (failed) {
      response.error_condition = "internal-server-error";
      response.error_text = failed->message;
      return respond(std::move(response));
    }
    response.notes.emplace_back("info", value.empty() ? "Prefix reset to the default." : "Prefix set to \"" + value + "\".");
    respond(std::move(response));
  };
  return {prefix};
}

std::vector<core::ConfigProblem> validate_echo_config(const toml::table& table) {
  std::vector<core::ConfigProblem> problems;
  for (const char* key : {"prefix", "webhook_token"}) {
    if (auto node = table[key]; node && !node.is_string())
      problems.push_back({static_cast<int>(node.node()->source().begin.line), std::string(key) + " must be a string"});
  }
  return problems;
}

void register_echo_gateway() {
  core::register_gateway_kind({"echo",
                               [](core::GatewayContext& context) -> std::unique_ptr<core::Gateway> {
                                 return std::make_unique<EchoGateway>(context);
                               },
                               validate_echo_config,
                               {"prefix", "webhook_token"}});
}

}  // namespace junction::gateways::echo
