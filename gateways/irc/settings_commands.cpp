#include "gateways/irc/settings_commands.hpp"

#include "gateways/irc/client_certificate.hpp"
#include "gateways/irc/irc_message.hpp"

#include <algorithm>

namespace junction::irc {
namespace {

xmpp::FormField text_field(std::string var, std::string label, std::string value, std::string type = "text-single",
                           std::string desc = {}) {
  xmpp::FormField f;
  f.var = std::move(var);
  f.label = std::move(label);
  f.type = std::move(type);
  f.desc = std::move(desc);
  if (!value.empty()) f.values = {std::move(value)};
  return f;
}

xmpp::FormField list_field(std::string var, std::string label, std::string value,
                           std::vector<std::pair<std::string, std::string>> options) {
  auto f = text_field(std::move(var), std::move(label), value.empty() ? std::string("") : std::move(value),
                      "list-single");
  if (f.values.empty()) f.values = {""};
  for (auto& [l, v] : options) f.options.push_back({l, v});
  return f;
}

xmpp::FormField multi_field(std::string var, std::string label, const std::vector<std::string>& lines) {
  auto f = text_field(std::move(var), std::move(label), {}, "text-multi");
  f.values = lines;
  return f;
}

core::CommandResponse error(std::string condition, std::string text) {
  core::CommandResponse r;
  r.error_condition = std::move(condition);
  r.error_text = std::move(text);
  return r;
}

std::vector<std::string> lines_of(const xmpp::DataForm& form, std::string_view var) {
  std::vector<std::string> out;
  if (const auto* f = form.field(var))
    for (const auto& v : f->values)
      for (auto& line : split_lines(v)) out.push_back(std::move(line));
  return out;
}

bool checked(const xmpp::DataForm& form, std::string_view var) {
  const auto value = form.value(var);
  return value == "1" || value == "true";
}

// What the form shows of a stored certificate: its fingerprint, never the key.
std::string certificate_summary(const std::string& pem) {
  if (pem.empty()) return "none";
  const auto fingerprint = certificate_fingerprint(pem);
  return fingerprint.empty() ? "unreadable (paste a new one or remove it)" : "SHA-256 " + fingerprint;
}

bool valid_nick(const std::string& nick) {
  if (nick.empty() || nick.size() > 64) return false;
  if (std::isdigit(static_cast<unsigned char>(nick[0])) || nick[0] == '-' || nick[0] == '#' || nick[0] == '&')
    return false;
  return std::none_of(nick.begin(), nick.end(), [](unsigned char c) {
    return c <= 0x20 || c == ',' || c == '!' || c == '@' || c == '*' || c == '?' || c == ':' || c == 0x7f;
  });
}

}  // namespace

std::vector<core::AdhocCommand> SettingsCommands::commands() {
  auto wrap = [](auto step) {
    return [step](const core::CommandRequest& request, std::function<void(core::CommandResponse)> respond) {
      respond(step(request));
    };
  };
  return {
      {std::string(configure_node), "Configure IRC (nick, credentials, rooms)", false,
       wrap([this](const core::CommandRequest& r) { return configure(r); })},
      {std::string(connections_node), "List IRC connections", true,
       wrap([this](const core::CommandRequest& r) { return list_connections(r); })},
      {std::string(drop_node), "Drop an IRC connection", true,
       wrap([this](const core::CommandRequest& r) { return drop_connection(r); })},
  };
}

xmpp::DataForm SettingsCommands::configure_form(const UserSettings& s, bool per_network,
                                                const std::string& scope) const {
  xmpp::DataForm form;
  form.title = per_network ? "IRC settings for " + scope : "IRC settings for every network";
  form.instructions = {"Passwords are not shown: leave them empty to keep them, or enter \"-\" to remove them. "
                       "The client certificate shows only its fingerprint: leave the field empty to keep it."};
  form.fields = {
      text_field("nick", "Nick", s.nick),
      text_field("realname", "Real name", s.realname),
      list_field("sasl_mechanism", "SASL mechanism", s.sasl_mechanism,
                 {{"None", ""}, {"PLAIN (account and password)", "PLAIN"}, {"EXTERNAL (client certificate)", "EXTERNAL"}}),
      text_field("sasl_user", "SASL account", s.sasl_user),
      text_field("sasl_password", "SASL password", {}, "text-private"),
      text_field("nickserv_password", "NickServ password", {}, "text-private"),
      text_field("client_certificate_fingerprint", "Your client certificate", certificate_summary(s.client_certificate),
                 "fixed"),
      text_field("client_certificate", "New client certificate and private key (PEM, for SASL EXTERNAL / CertFP)", {},
                 "text-multi", "Replaces the network's certificate for your connections (TLS networks only)."),
      text_field("remove_client_certificate", "Remove my client certificate", "0", "boolean"),
      list_field("encoding", "Charset of text that is not UTF-8", s.encoding,
                 {{"Default", ""}, {"Windows-1252", "cp1252"}, {"ISO-8859-1", "latin1"}}),
      multi_field("on_connect", "Commands sent after connecting (one per line)", s.on_connect),
  };
  if (per_network)
    form.fields.push_back(multi_field("persistent_rooms", "Rooms to stay in while offline (one per line)",
                                      s.persistent_rooms));
  return form;
}

core::CommandResponse SettingsCommands::configure(const core::CommandRequest& request) {
  auto where = b_.jids.parse(request.to);
  if (!where || (where->kind != Address::Kind::gateway && where->kind != Address::Kind::server))
    return error("item-not-found", "run this on the gateway or on a network");
  const bool per_network = where->kind == Address::Kind::server;
  if (per_network && !b_.options.network(where->network)) return error("item-not-found", "unknown network");
  const std::string scope = per_network ? b_.options.network(where->network)->alias : std::string(all_networks);
  const std::string user = request.from.bare_str();
  UserSettings current = b_.settings.load_scope(user, scope);

  core::CommandResponse response;
  if (!request.form || request.form->type == "form") {
    response.status = core::CommandResponse::Status::executing;
    response.form = configure_form(current, per_network, scope);
    return response;
  }
  const auto& form = *request.form;
  UserSettings next = current;
  next.nick = form.value("nick");
  if (!next.nick.empty() && !valid_nick(next.nick)) return error("bad-request", "\"" + next.nick + "\" is not a valid nick");
  next.realname = form.value("realname");
  next.sasl_mechanism = form.value("sasl_mechanism");
  std::transform(next.sasl_mechanism.begin(), next.sasl_mechanism.end(), next.sasl_mechanism.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (next.sasl_mechanism != "" && next.sasl_mechanism != "PLAIN" && next.sasl_mechanism != "EXTERNAL")
    return error("bad-request", "SASL mechanism must be PLAIN or EXTERNAL");
  next.sasl_user = form.value("sasl_user");
  for (auto [var, member] : {std::pair{"sasl_password", &UserSettings::sasl_password},
                             std::pair{"nickserv_password", &UserSettings::nickserv_password}}) {
    auto value = form.value(var);
    if (value == "-")
      next.*member = "";
    else if (!value.empty())
      next.*member = value;
  }
  const std::string pem = join_lines(lines_of(form, "client_certificate"));
  std::string fingerprint;
  if (checked(form, "remove_client_certificate")) {
    if (!pem.empty()) return error("bad-request", "either paste a client certificate or remove yours, not both");
    next.client_certificate.clear();
  } else if (!pem.empty()) {
    auto valid = check_client_certificate(pem);
    if (!valid) return error("bad-request", "client certificate: " + valid.error().message);
    fingerprint = *valid;
    next.client_certificate = pem + "\n";
  }
  next.encoding = form.value("encoding");
  if (!next.encoding.empty() && !parse_fallback(next.encoding))
    return error("bad-request", "charset must be cp1252 or latin1");
  next.on_connect = lines_of(form, "on_connect");
  for (const auto& line : next.on_connect)
    if (!parse(line)) return error("bad-request", "not an IRC command: " + line);
  if (per_network) {
    next.persistent_rooms = lines_of(form, "persistent_rooms");
    for (const auto& room : next.persistent_rooms)
      if (!looks_like_channel(room) || room.find_first_of(" ,") != std::string::npos)
        return error("bad-request", "not a channel name: " + room);
  }
  if (auto saved = b_.settings.save_scope(user, scope, next); !saved)
    return error("internal-server-error", "settings not saved: " + saved.error().message);
  if (per_network && hooks_.saved) hooks_.saved(user, scope);
  response.notes.emplace_back("info", "Saved. A new nick or new credentials apply on the next connection.");
  if (!fingerprint.empty()) response.notes.emplace_back("info", "Client certificate SHA-256 " + fingerprint + ".");
  return response;
}

core::CommandResponse SettingsCommands::list_connections(const core::CommandRequest&) {
  core::CommandResponse response;
  xmpp::DataForm form;
  form.type = "result";
  form.title = "IRC connections";
  for (const char* column : {"user", "network", "nick", "rooms", "lag_ms"}) {
    xmpp::FormField f;
    f.var = column;
    f.label = column;
    form.reported.push_back(f);
  }
  for (NetworkSession* s : b_.sessions.all()) {
    auto cell = [](std::string var, std::string value) {
      xmpp::FormField f;
      f.var = std::move(var);
      f.values = {std::move(value)};
      return f;
    };
    form.items.push_back({cell("user", s->user()), cell("network", s->network()), cell("nick", s->nick()),
                          cell("rooms", std::to_string(s->channels().size())),
                          cell("lag_ms", std::to_string(s->link().lag().count()))});
  }
  response.form = std::move(form);
  if (b_.sessions.size() == 0) response.notes.emplace_back("info", "No IRC connection is open.");
  return response;
}

core::CommandResponse SettingsCommands::drop_connection(const core::CommandRequest& request) {
  core::CommandResponse response;
  if (!request.form || request.form->type == "form") {
    xmpp::DataForm form;
    form.title = "Drop an IRC connection";
    xmpp::FormField f;
    f.var = "connection";
    f.type = "list-single";
    f.label = "Connection";
    f.required = true;
    for (NetworkSession* s : b_.sessions.all())
      f.options.push_back({s->user() + " on " + s->network(), s->user() + " " + s->network()});
    form.fields.push_back(f);
    xmpp::FormField reason = text_field("reason", "QUIT message", "Disconnected by the gateway administrator");
    form.fields.push_back(reason);
    response.status = core::CommandResponse::Status::executing;
    response.form = std::move(form);
    return response;
  }
  auto choice = request.form->value("connection");
  auto space = choice.find(' ');
  if (space == std::string::npos) return error("bad-request", "choose a connection");
  NetworkSession* s = b_.sessions.find(choice.substr(0, space), choice.substr(space + 1));
  if (!s) return error("item-not-found", "that connection is already gone");
  auto reason = request.form->value("reason");
  hooks_.drop(*s, reason.empty() ? "Disconnected by the gateway administrator" : reason);
  response.notes.emplace_back("info", "Dropped " + choice + ".");
  return response;
}

}  // namespace junction::irc
