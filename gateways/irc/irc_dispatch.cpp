#include "gateways/irc/irc_dispatch.hpp"

#include <string_view>
#include <unordered_map>

namespace junction::irc {

struct IrcDispatcher::Route {
  std::size_t min_params;
  void (*handle)(IrcDispatcher&, NetworkSession&, const IrcMessage&);
};

namespace {

using Route = IrcDispatcher::Route;

// Lines the link consumes itself, or that would only be noise on the server JID (connection
// statistics, ISUPPORT, our own channel list replies that feed state).
bool silent(std::string_view command) {
  static const std::unordered_map<std::string_view, bool> quiet = {
      {"PING", true}, {"PONG", true}, {"CAP", true}, {"AUTHENTICATE", true}, {"ERROR", true},
      {"002", true},  {"003", true},  {"004", true}, {"005", true},         {"250", true},
      {"251", true},  {"252", true},  {"253", true}, {"254", true},         {"255", true},
      {"265", true},  {"266", true},  {"329", true}, {"900", true},         {"903", true},
      {"ACCOUNT", true}, {"CHGHOST", true}, {"MODE", true}, {"396", true},
  };
  return quiet.count(command) > 0;
}

}  // namespace

#define MUC(method) [](IrcDispatcher& d, NetworkSession& s, const IrcMessage& m) { d.muc_.method(s, m); }
#define CHAT(method) [](IrcDispatcher& d, NetworkSession& s, const IrcMessage& m) { d.chat_.method(s, m); }
// Replies to requests of the room bridge (LIST, MODE, ban lists); one it did not ask for
// (the user typed the command on the server JID) is shown there like any numeric.
#define MUC_REPLY(call)                                                  \
  [](IrcDispatcher& d, NetworkSession& s, const IrcMessage& m) {         \
    if (!d.muc_.call(s, m)) d.chat_.server_text(s, m);                   \
  }

void IrcDispatcher::dispatch(NetworkSession& s, const IrcMessage& m) {
  static const std::unordered_map<std::string_view, Route> table = {
      {"JOIN", {1, MUC(irc_join)}},
      {"PART", {1, MUC(irc_part)}},
      {"QUIT", {0, MUC(irc_quit)}},
      {"KICK", {2, MUC(irc_kick)}},
      {"NICK", {1, MUC(irc_nick)}},
      {"TOPIC", {2, MUC(irc_topic)}},
      {"AWAY", {0, MUC(irc_away)}},
      {"INVITE", {2, CHAT(irc_invite)}},
      {"332", {3, MUC(rpl_topic)}},
      {"333", {3, MUC(rpl_topic_who)}},
      {"353", {4, MUC(rpl_names)}},
      {"366", {2, MUC(rpl_end_of_names)}},
      {"321", {1, MUC_REPLY(listing().rpl_list_start)}},
      {"322", {3, MUC_REPLY(listing().rpl_list)}},
      {"323", {1, MUC_REPLY(listing().rpl_list_end)}},
      {"324", {3, MUC_REPLY(rpl_channel_modes)}},
      {"404", {2, MUC_REPLY(irc_cannot_send)}},
      {"367", {3, MUC_REPLY(admin().rpl_ban_entry)}},
      {"368", {2, MUC_REPLY(admin().rpl_ban_end)}},
      {"PONG", {1, [](IrcDispatcher& d, NetworkSession& s, const IrcMessage& m) { d.muc_.admin().irc_pong(s, m); }}},
      {"375", {1, [](IrcDispatcher&, NetworkSession& s, const IrcMessage&) { s.motd.clear(); }}},
      {"372", {2, CHAT(motd_line)}},
      {"376", {1, CHAT(motd_end)}},
      {"422", {2, CHAT(motd_end)}},
      {"WALLOPS", {1, CHAT(server_text)}},
  };
  auto it = table.find(m.command);
  if (it != table.end()) {
    if (m.params.size() >= it->second.min_params) it->second.handle(*this, s, m);
    return;
  }
  if ((m.command == "PRIVMSG" || m.command == "NOTICE") && m.params.size() >= 2) {
    if (s.isupport().is_channel(m.params[0]))
      muc_.irc_channel_text(s, m);
    else
      chat_.irc_private_text(s, m);
    return;
  }
  if (m.command == "MODE" && m.params.size() >= 2 && s.isupport().is_channel(m.params[0])) {
    muc_.irc_mode(s, m);
    return;
  }
  if (m.is_numeric() && muc_.irc_join_error(s, m)) return;
  // 482 and friends answering a kick, ban or voice change, or a ban list request.
  if (m.is_numeric() && muc_.admin().irc_error(s, m)) return;
  if (m.is_numeric() && !silent(m.command) && m.params.size() >= 2) chat_.server_text(s, m);
}

#undef MUC
#undef CHAT
#undef MUC_REPLY

}  // namespace junction::irc
