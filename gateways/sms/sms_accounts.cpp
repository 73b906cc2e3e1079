// Who may text from which number: self-service registration (a user's own provider account and
// number, XEP-0077) and the admin commands that assign and release numbers at run time.
#include "gateways/sms/phone_number.hpp"
#include "gateways/sms/sms_gateway.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

namespace junction::sms {
namespace {

bool is_secret(const std::string& key) {
  return key == "auth_token" || key == "api_secret" || key == "signature_secret" || key == "password" ||
         key == "api_key";
}

xmpp::FormField text_field(std::string var, std::string type, std::string label, bool required = false) {
  xmpp::FormField f;
  f.var = std::move(var);
  f.type = std::move(type);
  f.label = std::move(label);
  f.required = required;
  return f;
}

core::CommandResponse note(std::string type, std::string text) {
  core::CommandResponse response;
  response.notes.emplace_back(std::move(type), std::move(text));
  return response;
}

core::CommandResponse ask(std::string title, std::vector<xmpp::FormField> fields) {
  core::CommandResponse response;
  response.status = core::CommandResponse::Status::executing;
  xmpp::DataForm form;
  form.title = std::move(title);
  form.fields = std::move(fields);
  response.form = std::move(form);
  return response;
}

}  // namespace

std::string SmsGateway::registration_instructions() const {
  if (!settings_.self_service) return "Register with the SMS gateway. An administrator assigns you a phone number.";
  return fmt::format(
      "Register with the SMS gateway. To text from your own {} account, enter its number and credentials; leave "
      "them empty to use a number an administrator assigns you. Point the account's inbound webhook at "
      "{}/webhooks/{}/inbound; delivery reports need no setting, as each text names its own status URL.",
      provider_->kind(), context_.public_url(), context_.name());
}

std::vector<xmpp::FormField> SmsGateway::registration_fields(const store::Registration* existing) const {
  if (!settings_.self_service) return {};
  auto value_of = [existing](const std::string& key) {
    if (!existing) return std::string{};
    auto it = existing->fields.find(key);
    return it == existing->fields.end() ? std::string{} : it->second;
  };
  std::vector<xmpp::FormField> fields;
  auto number = text_field("number", "text-single", "Your number at the provider (E.164, e.g. +15551234567)");
  if (auto v = value_of("number"); !v.empty()) number.values = {v};
  fields.push_back(std::move(number));
  for (const auto& key : self_service_keys(std::string(provider_->kind()))) {
    // Secrets are never shown back; an empty one on change keeps the stored value.
    auto field =
        text_field(key, is_secret(key) ? "text-private" : "text-single", std::string(provider_->kind()) + " " + key);
    if (!is_secret(key))
      if (auto v = value_of(key); !v.empty()) field.values = {v};
    fields.push_back(std::move(field));
  }
  return fields;
}

Result<std::map<std::string, std::string>> SmsGateway::validate_registration(
    const xmpp::Jid& user, std::map<std::string, std::string> values) {
  const auto keys = self_service_keys(std::string(provider_->kind()));
  // Only fields this gateway asked for are kept: nothing else a client submits is stored.
  if (!settings_.self_service || values["number"].empty()) return std::map<std::string, std::string>{};
  auto number = normalize_number(values["number"], settings_.default_country);
  if (!number) return fail("Number: " + number.error().message);
  if (auto owner = numbers_.owner_of(*number); owner && owner->owner != user.bare_str())
    return fail(fmt::format("{} belongs to another user of this gateway.", *number));
  values["number"] = *number;
  auto previous = context_.registration(user.bare());
  for (const auto& key : keys) {
    if (values[key].empty() && previous && previous->fields.count(key)) values[key] = previous->fields.at(key);
  }
  std::map<std::string, std::string> account;
  for (const auto& key : keys) account[key] = values[key];
  auto provider = make_provider(provider_settings(settings_, context_.name(), context_.public_url(), account));
  if (!provider) return fail("Your provider account: " + provider.error().message);
  // Keys of our own account that the user did not give must not count as theirs.
  for (const auto& key : keys)
    if (values[key].empty() && key != "messaging_profile_id")
      return fail(fmt::format("Your provider account needs \"{}\".", key));
  std::map<std::string, std::string> kept{{"number", *number}};
  for (const auto& key : keys)
    if (!values[key].empty()) kept[key] = values[key];
  return kept;
}

void SmsGateway::on_registered(const xmpp::Jid& user, const store::Registration& registration) {
  own_providers_.erase(user.bare_str());
  auto it = registration.fields.find("number");
  if (it != registration.fields.end() && !it->second.empty()) {
    numbers_.set_own(user.bare_str(), it->second);
    log::info("sms", "{}: {} texts from their own number {}", context_.name(), user.bare_str(), it->second);
  } else {
    numbers_.clear_own(user.bare_str());
  }
}

void SmsGateway::on_unregistered(const xmpp::Jid& user) {
  own_providers_.erase(user.bare_str());
  numbers_.clear_own(user.bare_str());
}

core::AdhocCommand SmsGateway::assign_command() {
  core::AdhocCommand command;
  command.node = "sms/assign-number";
  command.name = "Assign a phone number to a user";
  command.admin_only = true;
  command.run = [this](const core::CommandRequest& request, std::function<void(core::CommandResponse)> respond) {
    if (!request.form) {
      return respond(ask("Assign a phone number", {text_field("number", "text-single", "Phone number", true),
                                                   text_field("jid", "jid-single", "Owner (bare JID)", true)}));
    }
    auto number = normalize_number(request.form->value("number"), settings_.default_country);
    if (!number) return respond(note("error", number.error().message));
    auto owner = xmpp::Jid::parse(request.form->value("jid"));
    if (!owner || owner->node().empty())
      return respond(note("error", "The owner must be a JID such as alice@example.org."));
    if (!context_.user_allowed(*owner))
      return respond(note("error", owner->bare_str() + " is not a user this gateway serves."));
    if (auto assigned = numbers_.assign(*number, owner->bare_str()); !assigned)
      return respond(note("error", assigned.error().message));
    log::info("sms", "{}: {} assigned {} to {}", context_.name(), request.from.bare_str(), *number, owner->bare_str());
    respond(note("info", fmt::format("{} now belongs to {}.", *number, owner->bare_str())));
  };
  return command;
}

core::AdhocCommand SmsGateway::release_command() {
  core::AdhocCommand command;
  command.node = "sms/release-number";
  command.name = "Release an assigned phone number";
  command.admin_only = true;
  command.run = [this](const core::CommandRequest& request, std::function<void(core::CommandResponse)> respond) {
    if (!request.form)
      return respond(ask("Release a phone number", {text_field("number", "text-single", "Phone number", true)}));
    auto number = normalize_number(request.form->value("number"), settings_.default_country);
    if (!number) return respond(note("error", number.error().message));
    auto owner = numbers_.owner_of(*number);
    auto released = numbers_.release(*number);
    if (!released) return respond(note("error", released.error().message));
    if (!*released) {
      std::string why = owner ? fmt::format("it comes from {} and can't be released here", source_name(owner->source))
                              : "nobody owns it";
      return respond(note("error", fmt::format("{} was not assigned: {}.", *number, why)));
    }
    log::info("sms", "{}: {} released {}", context_.name(), request.from.bare_str(), *number);
    respond(note("info", fmt::format("{} is released.", *number)));
  };
  return command;
}

core::AdhocCommand SmsGateway::list_command() {
  core::AdhocCommand command;
  command.node = "sms/list-numbers";
  command.name = "List phone numbers and their owners";
  command.admin_only = true;
  command.run = [this](const core::CommandRequest&, std::function<void(core::CommandResponse)> respond) {
    std::string text;
    for (const auto& owned : numbers_.all())
      text += fmt::format("{}{} -> {} ({})", text.empty() ? "" : "\n", owned.number, owned.owner,
                          source_name(owned.source));
    respond(note("info", text.empty() ? "No numbers are assigned." : text));
  };
  return command;
}

core::AdhocCommand SmsGateway::my_number_command() {
  core::AdhocCommand command;
  command.node = "sms/my-number";
  command.name = "Which number my texts come from";
  command.run = [this](const core::CommandRequest& request, std::function<void(core::CommandResponse)> respond) {
    auto owned = numbers_.number_of(request.from.bare_str());
    if (!owned) return respond(note("info", "You have no phone number at this gateway."));
    std::string text =
        fmt::format("Your texts come from {} ({}).", display_number(owned->number), source_name(owned->source));
    if (owned->source == NumberSource::own_account)
      text += fmt::format(
          " Your account's inbound webhook: {0}/webhooks/{1}/inbound; its delivery reports come to "
          "{0}/webhooks/{1}/status?account={2}.",
          context_.public_url(), context_.name(), account_key(owned->number));
    respond(note("info", text));
  };
  return command;
}

}  // namespace junction::sms
