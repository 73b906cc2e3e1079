// Ad-hoc commands of the email gateway: an admin grants a user extra addresses to receive
// and send as; a user lists the addresses they have.
#include "email_gateway.hpp"

namespace junction::email {
namespace {

core::CommandResponse note(std::string type, std::string text) {
  core::CommandResponse response;
  response.notes.emplace_back(std::move(type), std::move(text));
  return response;
}

}  // namespace

std::vector<core::AdhocCommand> EmailGateway::commands() { return {addresses_command(), grant_command()}; }

core::AdhocCommand EmailGateway::addresses_command() {
  core::AdhocCommand command;
  command.node = "email/addresses";
  command.name = "My email addresses";
  command.run = [this](const core::CommandRequest& request, std::function<void(core::CommandResponse)> respond) {
    auto own = own_address(request.from.bare());
    std::string text = own ? "Your address: " + own->str() : "You have no address of your own here.";
    if (auto granted = conversations_->granted(request.from.bare_str()); granted && !granted->empty()) {
      text += "\nAlso granted to you:";
      for (const auto& address : *granted) text += "\n  " + address;
    }
    respond(note("info", text));
  };
  return command;
}

core::AdhocCommand EmailGateway::grant_command() {
  core::AdhocCommand command;
  command.node = "email/grant-address";
  command.name = "Grant or revoke an email address for a user";
  command.admin_only = true;
  command.run = [this](const core::CommandRequest& request, std::function<void(core::CommandResponse)> respond) {
    if (!request.form) {
      core::CommandResponse response;
      response.status = core::CommandResponse::Status::executing;
      xmpp::DataForm form;
      form.title = "Grant an email address";
      form.instructions.push_back("Mail to the address goes to the user, who may also send as it.");
      xmpp::FormField user{"user", "jid-single", "User (bare JID)", {}, true, {}, {}};
      xmpp::FormField address{"address", "text-single", "Email address", {}, true, {}, {}};
      xmpp::FormField action{"action", "list-single", "Action", {}, true, {"grant"}, {{"Grant", "grant"}, {"Revoke", "revoke"}}};
      form.fields = {user, address, action};
      response.form = std::move(form);
      return respond(std::move(response));
    }
    auto user = xmpp::Jid::parse(request.form->value("user"));
    if (!user || user->node().empty()) return respond(note("error", "\"User\" must be a bare JID"));
    auto address = parse_address(request.form->value("address"));
    if (!address) return respond(note("error", "not an email address: " + address.error().message));
    if (request.form->value("action") == "revoke") {
      auto revoked = conversations_->revoke(user->bare_str(), *address);
      if (!revoked) return respond(note("error", "storage failed: " + revoked.error().message));
      return respond(note("info", *revoked ? address->str() + " revoked from " + user->bare_str()
                                           : address->str() + " was not granted to " + user->bare_str()));
    }
    auto owner = conversations_->owner(*address);
    if (owner && *owner && **owner != user->bare_str())
      return respond(note("error", address->str() + " already belongs to " + **owner + "; revoke it first"));
    if (auto granted = conversations_->grant(user->bare_str(), *address); !granted)
      return respond(note("error", "storage failed: " + granted.error().message));
    (void)conversations_->mark_known(user->bare_str());
    known_users_.insert(user->bare_str());
    respond(note("info", address->str() + " granted to " + user->bare_str()));
  };
  return command;
}

}  // namespace junction::email
