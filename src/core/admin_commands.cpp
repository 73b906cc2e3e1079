// The core's admin commands, present on every gateway domain for the configured `admins`.
#include "core/gateway_host.hpp"
#include "util/log.hpp"

namespace junction::core {
namespace {

CommandResponse jid_list_result(const std::string& title, const std::vector<std::string>& jids) {
  CommandResponse response;
  xmpp::DataForm form;
  form.type = "result";
  form.title = title;
  xmpp::FormField field;
  field.var = "jids";
  field.type = "jid-multi";
  field.label = title + " (" + std::to_string(jids.size()) + ")";
  field.values = jids;
  form.fields.push_back(std::move(field));
  response.form = std::move(form);
  return response;
}

}  // namespace

std::vector<AdhocCommand> GatewayHost::admin_commands() {
  std::vector<AdhocCommand> commands;

  commands.push_back({"admin/registered-users", "Registered users", true,
                      [this](const CommandRequest&, std::function<void(CommandResponse)> respond) {
                        auto users = env_.store->registrations().list(config_.name);
                        if (!users) {
                          CommandResponse error;
                          error.error_condition = "internal-server-error";
                          error.error_text = users.error().message;
                          return respond(error);
                        }
                        std::vector<std::string> jids;
                        for (const auto& r : *users) jids.push_back(r.user);
                        respond(jid_list_result("Registered users", jids));
                      }});

  commands.push_back({"admin/online-users", "Online users", true,
                      [this](const CommandRequest&, std::function<void(CommandResponse)> respond) {
                        std::vector<std::string> jids;
                        for (const auto& user : presence_.users())
                          for (const auto& full : presence_.resources(user)) jids.push_back(full.str());
                        respond(jid_list_result("Online resources", jids));
                      }});

  commands.push_back({"admin/statistics", "Statistics", true,
                      [this](const CommandRequest&, std::function<void(CommandResponse)> respond) {
                        CommandResponse response;
                        xmpp::DataForm form;
                        form.type = "result";
                        form.title = "Statistics for " + config_.domain;
                        auto rows = env_.global_statistics ? env_.global_statistics()
                                                           : std::vector<std::pair<std::string, std::string>>{};
                        for (auto& row : statistics()) rows.push_back(std::move(row));
                        int n = 0;
                        for (const auto& [label, value] : rows) {
                          xmpp::FormField field;
                          field.var = "stat" + std::to_string(n++);
                          field.type = "text-single";
                          field.label = label;
                          field.values = {value};
                          form.fields.push_back(std::move(field));
                        }
                        response.form = std::move(form);
                        respond(std::move(response));
                      }});

  commands.push_back({"admin/reload", "Reload the configuration", true,
                      [this](const CommandRequest& request, std::function<void(CommandResponse)> respond) {
                        if (!env_.reload) {
                          CommandResponse error;
                          error.error_condition = "feature-not-implemented";
                          return respond(error);
                        }
                        log::info("host", "{}: reload requested by {}", config_.name, request.from.str());
                        env_.reload([respond](std::string summary) {
                          CommandResponse response;
                          response.notes.emplace_back("info", std::move(summary));
                          respond(std::move(response));
                        });
                      }});
  return commands;
}

}  // namespace junction::core
