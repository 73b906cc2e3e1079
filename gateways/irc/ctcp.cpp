#include "ctcp.hpp"

#include <ctime>

namespace junction::irc {
namespace {

constexpr char delim = '\x01';
constexpr std::string_view me_prefix = "/me ";
// Echoed PING data comes from a stranger; capping it keeps our reply within one line.
constexpr std::size_t max_echo = 400;

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::string http_date(std::chrono::system_clock::time_point now) {
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

}  // namespace

std::optional<Ctcp> parse_ctcp(std::string_view text) {
  if (text.size() < 2 || text.front() != delim) return std::nullopt;
  text.remove_prefix(1);
  if (std::size_t end = text.find(delim); end != std::string_view::npos) text = text.substr(0, end);
  std::size_t space = text.find(' ');
  Ctcp out{upper(text.substr(0, space)), std::string()};
  if (out.command.empty()) return std::nullopt;
  if (space != std::string_view::npos) out.params = std::string(text.substr(space + 1));
  return out;
}

std::string make_ctcp(std::string_view command, std::string_view params) {
  std::string out(1, delim);
  out += command;
  if (!params.empty()) {
    out += ' ';
    out += params;
  }
  out += delim;
  return out;
}

std::string action_to_me(std::string_view irc_text) {
  auto ctcp = parse_ctcp(irc_text);
  if (!ctcp || ctcp->command != "ACTION") return std::string(irc_text);
  return std::string(me_prefix) + ctcp->params;
}

bool is_me_command(std::string_view body) { return body.substr(0, me_prefix.size()) == me_prefix; }

std::string me_to_action(std::string_view body) {
  if (!is_me_command(body)) return std::string(body);
  return make_ctcp("ACTION", body.substr(me_prefix.size()));
}

std::optional<IrcMessage> ctcp_reply(const IrcMessage& msg, const CtcpIdentity& identity,
                                     std::chrono::system_clock::time_point now) {
  if (msg.command != "PRIVMSG" || msg.params.size() < 2) return std::nullopt;
  std::string sender = msg.nick();
  if (sender.empty()) return std::nullopt;
  auto ctcp = parse_ctcp(msg.params[1]);
  if (!ctcp) return std::nullopt;
  std::string answer;
  if (ctcp->command == "VERSION") answer = identity.version;
  else if (ctcp->command == "PING") answer = ctcp->params.substr(0, max_echo);
  else if (ctcp->command == "TIME") answer = http_date(now);
  else if (ctcp->command == "CLIENTINFO") answer = "ACTION CLIENTINFO PING TIME VERSION";
  else return std::nullopt;
  return make_message("NOTICE", {sender, make_ctcp(ctcp->command, answer)});
}

}  // namespace junction::irc
