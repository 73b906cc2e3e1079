#pragma once
// XEP-0045 muc#admin on IRC channels. Lists (get): outcasts are the channel's ban list
// (MODE #chan +b, 367/368), roles and the member/admin/owner affiliations come from the member
// list the room already keeps. Changes (set): KICK and MODE lines, followed by a PING whose
// PONG marks the point where every error the server had for them has arrived, so that the
// answer is a result only when IRC did not refuse (482 not channel operator -> forbidden).
#include "gateways/irc/bridge.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace junction::irc {

/// XEP-0045 condition for an IRC error numeric answering a KICK or MODE; empty if not one.
std::string_view admin_error_condition(std::string_view numeric);

class RoomAdmin {
 public:
  explicit RoomAdmin(Bridge& bridge) : b_(bridge) {}
  RoomAdmin(const RoomAdmin&) = delete;
  RoomAdmin& operator=(const RoomAdmin&) = delete;

  /// An iq with <query xmlns=muc#admin/> to a room; false when it has none.
  bool on_iq(const xmpp::Element& iq, const xmpp::Jid& from, const Address& to);

  /// 367 RPL_BANLIST, 368 RPL_ENDOFBANLIST: true when a pending list took it.
  bool rpl_ban_entry(NetworkSession& s, const IrcMessage& m);
  bool rpl_ban_end(NetworkSession& s, const IrcMessage& m);
  /// PONG: true when it closes a pending change.
  bool irc_pong(NetworkSession& s, const IrcMessage& m);
  /// An error numeric while requests are pending: true when one took it.
  bool irc_error(NetworkSession& s, const IrcMessage& m);

  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
  std::size_t pending() const { return requests_.size(); }

 private:
  struct Request {
    enum class Kind { ban_list, change } kind;
    std::string user;
    std::string network;
    std::uint64_t serial = 0;
    std::string channel;
    xmpp::Element iq;
    std::string token;                        ///< the PING closing a change
    std::vector<xmpp::Element> items;         ///< the answer being built (lists)
    std::string condition, text;              ///< the first error IRC gave
    std::unique_ptr<asio::steady_timer> timer;
  };

  void list(const xmpp::Element& iq, const xmpp::Element& query, NetworkSession& s, Channel& c);
  void change(const xmpp::Element& iq, const xmpp::Element& query, NetworkSession& s, Channel& c);
  std::uint64_t add(Request request);
  /// The oldest pending request of this connection, of `kind` when given, naming `channel`
  /// when given.
  std::map<std::uint64_t, Request>::iterator find(const NetworkSession& s, std::optional<Request::Kind> kind,
                                                  std::string_view channel);
  void complete(std::map<std::uint64_t, Request>::iterator it);

  Bridge& b_;
  std::map<std::uint64_t, Request> requests_;  // by id: oldest first
  std::uint64_t next_id_ = 1;
  std::chrono::milliseconds timeout_{std::chrono::seconds(15)};
};

}  // namespace junction::irc
