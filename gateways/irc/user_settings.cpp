#include "gateways/irc/user_settings.hpp"

#include "util/log.hpp"

#include <algorithm>
#include <cctype>

namespace junction::irc {
namespace {

// Each field is one kv row "net:<scope>:<field>"; the index of persistent rooms is
// gateway-wide ("persist:<network>:<user>") so start-up needs no scan of every user.
std::string key_for(std::string_view scope, std::string_view field) {
  return "net:" + std::string(scope) + ":" + std::string(field);
}
std::string index_key(std::string_view network, std::string_view user) {
  return "persist:" + std::string(network) + ":" + std::string(user);
}

struct FieldRef {
  const char* name;
  std::string UserSettings::*text;
  std::vector<std::string> UserSettings::*lines;
};

constexpr FieldRef fields[] = {
    {"nick", &UserSettings::nick, nullptr},
    {"realname", &UserSettings::realname, nullptr},
    {"sasl_mechanism", &UserSettings::sasl_mechanism, nullptr},
    {"sasl_user", &UserSettings::sasl_user, nullptr},
    {"sasl_password", &UserSettings::sasl_password, nullptr},
    {"nickserv_password", &UserSettings::nickserv_password, nullptr},
    {"client_certificate", &UserSettings::client_certificate, nullptr},
    {"encoding", &UserSettings::encoding, nullptr},
    {"on_connect", nullptr, &UserSettings::on_connect},
    {"persistent_rooms", nullptr, &UserSettings::persistent_rooms},
};

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto end = text.find_first_of("\r\n");
    auto line = trim(text.substr(0, end));
    if (!line.empty()) out.push_back(std::move(line));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

UserSettings SettingsRepository::load_scope(const std::string& user, std::string_view scope) const {
  UserSettings s;
  auto rows = kv_.list(gateway_, user, key_for(scope, ""));
  if (!rows) {
    log::error("irc", "{}: cannot read settings of {}: {}", gateway_, user, rows.error().message);
    return s;
  }
  for (const auto& f : fields) {
    auto it = rows->find(key_for(scope, f.name));
    if (it == rows->end()) continue;
    if (f.text) s.*f.text = it->second;
    if (f.lines) s.*f.lines = split_lines(it->second);
  }
  return s;
}

UserSettings SettingsRepository::effective(const std::string& user, const std::string& network) const {
  UserSettings specific = load_scope(user, network);
  UserSettings defaults = load_scope(user, all_networks);
  for (const auto& f : fields) {
    if (f.text && (specific.*f.text).empty()) specific.*f.text = defaults.*f.text;
    if (f.lines && (specific.*f.lines).empty() && f.lines != &UserSettings::persistent_rooms)
      specific.*f.lines = defaults.*f.lines;
  }
  return specific;
}

Result<void> SettingsRepository::save_scope(const std::string& user, std::string_view scope,
                                            const UserSettings& settings) {
  for (const auto& f : fields) {
    std::string value = f.text ? settings.*f.text : join_lines(settings.*f.lines);
    auto key = key_for(scope, f.name);
    if (value.empty()) {
      if (auto done = kv_.erase(gateway_, user, key); !done) return std::unexpected(done.error());
    } else if (auto done = kv_.put(gateway_, user, key, value); !done) {
      return std::unexpected(done.error());
    }
  }
  if (scope != all_networks) {
    auto key = index_key(scope, user);
    if (settings.persistent_rooms.empty()) {
      if (auto done = kv_.erase(gateway_, "", key); !done) return std::unexpected(done.error());
    } else if (auto done = kv_.put(gateway_, "", key, "1"); !done) {
      return std::unexpected(done.error());
    }
  }
  return {};
}

std::vector<std::pair<std::string, std::string>> SettingsRepository::users_with_persistent_rooms() const {
  std::vector<std::pair<std::string, std::string>> out;
  auto rows = kv_.list(gateway_, "", "persist:");
  if (!rows) return out;
  for (const auto& [key, value] : *rows) {
    auto rest = std::string_view(key).substr(8);
    auto colon = rest.find(':');
    if (colon == std::string_view::npos) continue;
    out.emplace_back(std::string(rest.substr(colon + 1)), std::string(rest.substr(0, colon)));
  }
  return out;
}

UserIdentity identity_for(const UserSettings& settings, const std::string& user_bare, const std::string& wanted_nick,
                          const std::string& default_realname) {
  UserIdentity id;
  std::string node = user_bare.substr(0, user_bare.find('@'));
  id.nick = !settings.nick.empty() ? settings.nick : !wanted_nick.empty() ? wanted_nick : node;
  // A username must be a plain word; the JID node is a readable choice when it is one.
  std::string username;
  for (char c : node)
    if (std::isalnum(static_cast<unsigned char>(c))) username += c;
  id.username = username.empty() ? "junction" : username.substr(0, 10);
  id.realname = settings.realname.empty() ? default_realname : settings.realname;
  id.sasl_mechanism = settings.sasl_mechanism;
  id.sasl_user = settings.sasl_user;
  id.sasl_password = settings.sasl_password;
  id.nickserv_password = settings.nickserv_password;
  id.client_cert_pem = settings.client_certificate;
  id.on_connect_commands = settings.on_connect;
  return id;
}

}  // namespace junction::irc
