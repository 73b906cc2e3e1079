// XEP-0077 in-band registration with XEP-0004 forms: register, change, unregister.
#include "core/gateway_host.hpp"
#include "util/log.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

namespace junction::core {
namespace {

xmpp::DataForm registration_form(const std::string& instructions, std::vector<xmpp::FormField> fields,
                                 const store::Registration* existing) {
  xmpp::DataForm form;
  form.type = "form";
  form.title = "Registration";
  form.instructions.push_back(instructions);
  xmpp::FormField form_type;
  form_type.var = "FORM_TYPE";
  form_type.type = "hidden";
  form_type.values = {std::string(xmpp::ns::register_)};
  form.fields.push_back(form_type);
  for (auto& field : fields) {
    if (existing && field.values.empty()) {
      auto it = existing->fields.find(field.var);
      // Secrets are never echoed back; the user re-enters them to change them.
      if (it != existing->fields.end() && field.type != "text-private") field.values = {it->second};
    }
    form.fields.push_back(std::move(field));
  }
  return form;
}

}  // namespace

void GatewayHost::iq_register(const xmpp::Element& iq, const xmpp::Jid& from, const xmpp::Jid&) {
  const xmpp::Jid user = from.bare();
  const auto* query = iq.child("query", xmpp::ns::register_);
  auto existing = registration(user);

  if (iq.attr_or("type") == "get") {
    auto fields = gateway_->registration_fields(existing ? &*existing : nullptr);
    auto reply = xmpp::make_iq_result(iq);
    auto& out = reply.add_child("query", std::string(xmpp::ns::register_));
    auto instructions = gateway_->registration_instructions();
    out.add_child("instructions").set_text(instructions);
    if (existing) out.add_child("registered");
    out.add_child(registration_form(instructions, std::move(fields), existing ? &*existing : nullptr).to_element());
    send(std::move(reply));
    return;
  }

  if (query->child("remove")) {
    if (!existing) return reply_error(iq, "item-not-found", "you are not registered");
    unregister(user);
    send(xmpp::make_iq_result(iq));
    return;
  }

  // Values from a submitted form, or from the legacy fields (<username/>...) of old clients.
  std::map<std::string, std::string> values;
  if (const auto* x = query->child("x", xmpp::ns_data); x) {
    auto form = xmpp::DataForm::parse(*x);
    if (!form || form->type == "cancel") return reply_error(iq, "bad-request", "the form could not be read");
    for (const auto& field : form->fields)
      if (field.var != "FORM_TYPE") values[field.var] = field.value();
  } else {
    for (const auto* child : query->children())
      if (child->name() != "instructions" && child->name() != "registered") values[child->name()] = child->text();
  }
  // Keep stored values the user left out (e.g. an unchanged password).
  if (existing)
    for (const auto& [key, value] : existing->fields) values.try_emplace(key, value);
  for (const auto& field : gateway_->registration_fields(existing ? &*existing : nullptr))
    if (field.required && (values.find(field.var) == values.end() || values[field.var].empty()))
      return reply_error(iq, "not-acceptable", "\"" + (field.label.empty() ? field.var : field.label) + "\" is required");

  auto checked = gateway_->validate_registration(user, std::move(values));
  if (!checked) return reply_error(iq, "not-acceptable", checked.error().message);

  store::Registration row;
  row.gateway = config_.name;
  row.user = user.bare_str();
  row.fields = std::move(*checked);
  if (existing) row.created_at = existing->created_at;
  if (auto saved = env_.store->registrations().upsert(row); !saved) {
    log::error("host", "{}: cannot store the registration of {}: {}", config_.name, row.user, saved.error().message);
    return reply_error(iq, "internal-server-error", "the registration could not be stored");
  }
  send(xmpp::make_iq_result(iq));
  log::info("host", "{}: {} {}", config_.name, row.user, existing ? "changed their registration" : "registered");
  gateway_->on_registered(user, row);
  if (!existing) {
    // XEP-0100: the gateway asks for the user's presence so it can see them come online.
    xmpp::Element subscribe("presence");
    subscribe.set_attr("type", "subscribe");
    subscribe.set_attr("from", config_.domain);
    subscribe.set_attr("to", row.user);
    send(std::move(subscribe));
  }
}

void GatewayHost::unregister(const xmpp::Jid& user) {
  const std::string bare = user.bare_str();
  gateway_->on_unregistered(user);
  if (auto removed = env_.store->remove_user(config_.name, bare); !removed)
    log::error("host", "{}: cleanup after unregistering {} failed: {}", config_.name, bare, removed.error().message);
  // XEP-0100 section 4.3: cancel both subscriptions and go unavailable for the user.
  for (std::string_view type : {"unsubscribe", "unsubscribed", "unavailable"}) {
    xmpp::Element p("presence");
    p.set_attr("type", std::string(type));
    p.set_attr("from", config_.domain);
    p.set_attr("to", bare);
    send(std::move(p));
  }
  presence_sent_.erase(bare);
  log::info("host", "{}: {} unregistered", config_.name, bare);
}

}  // namespace junction::core
