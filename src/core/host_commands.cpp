// XEP-0050 ad-hoc commands: the gateway's own plus the core's admin commands, with sessions
// for multi-step commands.
#include "core/gateway_host.hpp"
#include "util/log.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

namespace junction::core {
namespace {
constexpr auto session_lifetime = std::chrono::minutes(10);

const char* status_name(CommandResponse::Status status) {
  switch (status) {
    case CommandResponse::Status::executing: return "executing";
    case CommandResponse::Status::completed: return "completed";
    case CommandResponse::Status::canceled: return "canceled";
  }
  return "completed";
}
}  // namespace

std::vector<AdhocCommand> GatewayHost::all_commands() {
  auto commands = gateway_->commands();
  for (auto& command : admin_commands()) commands.push_back(std::move(command));
  return commands;
}

void GatewayHost::iq_command(const xmpp::Element& iq, const xmpp::Jid& from, const xmpp::Jid& to) {
  if (iq.attr_or("type") != "set") return reply_error(iq, "bad-request", "commands are run with iq type set");
  const auto* request = iq.child("command", xmpp::ns::commands);
  const std::string node = request->attr_or("node");
  std::string action = request->attr_or("action", "execute");
  std::string session_id = request->attr_or("sessionid");

  // Forget sessions nobody finished.
  auto now = std::chrono::steady_clock::now();
  std::erase_if(command_sessions_, [&](const auto& kv) { return now - kv.second.started > session_lifetime; });

  std::vector<AdhocCommand> commands = all_commands();
  auto it = std::find_if(commands.begin(), commands.end(), [&](const auto& c) { return c.node == node; });
  if (it == commands.end()) return reply_error(iq, "item-not-found", "no such command");
  if (it->admin_only && !is_admin(from))
    return reply_error(iq, "forbidden", "this command is for the gateway's administrators");

  if (!session_id.empty()) {
    auto found = command_sessions_.find(session_id);
    if (found == command_sessions_.end() || found->second.node != node || found->second.user != from.str())
      return reply_error(iq, "bad-request", "unknown or expired command session");
  } else {
    session_id = config_.name + "-" + std::to_string(next_id_++) + "-" +
                 std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000003);
    command_sessions_[session_id] = {node, from.str(), now};
  }

  auto answer = [this, iq, node, session_id](const CommandResponse& response) {
    if (response.error_condition) {
      command_sessions_.erase(session_id);
      reply_error(iq, *response.error_condition, response.error_text);
      return;
    }
    auto reply = xmpp::make_iq_result(iq);
    auto& command = reply.add_child("command", std::string(xmpp::ns::commands));
    command.set_attr("node", node);
    command.set_attr("sessionid", session_id);
    command.set_attr("status", status_name(response.status));
    if (response.status == CommandResponse::Status::executing) {
      auto& actions = command.add_child("actions");
      actions.set_attr("execute", "complete");
      actions.add_child("complete");
    } else {
      command_sessions_.erase(session_id);
    }
    for (const auto& [type, text] : response.notes) {
      auto& note = command.add_child("note");
      note.set_attr("type", type);
      note.set_text(text);
    }
    if (response.form) command.add_child(response.form->to_element());
    send(std::move(reply));
  };

  if (action == "cancel") {
    CommandResponse canceled;
    canceled.status = CommandResponse::Status::canceled;
    answer(canceled);
    return;
  }

  CommandRequest run_request;
  run_request.from = from;
  run_request.to = to;
  run_request.action = action;
  if (const auto* x = request->child("x", xmpp::ns_data)) run_request.form = xmpp::DataForm::parse(*x);
  auto alive = std::weak_ptr<bool>(alive_);
  it->run(run_request, [alive, answer](CommandResponse response) {
    if (!alive.expired()) answer(response);
  });
}

}  // namespace junction::core
