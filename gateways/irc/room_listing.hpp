#pragma once
// Room listing: disco#items on a network JID runs IRC LIST on the user's connection (opened
// for it if needed) and pages the answer with XEP-0059. The list is kept per user and network
// for a short while so that paging through it does not LIST again, and it is bounded: a cap on
// rooms per list and on lists kept. Replies are gathered line by line as they arrive; nothing
// waits on the loop.
#include "gateways/irc/bridge.hpp"
#include "gateways/irc/rsm.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace junction::irc {

struct ListedRoom {
  std::string channel;
  std::uint32_t users = 0;
};

struct RoomListingLimits {
  /// Rooms kept from one LIST; the rest of the reply is read and dropped.
  std::size_t max_rooms = 100'000;
  /// Lists kept at once across all users (the least recently used complete one goes first).
  std::size_t max_lists = 8;
  /// How long a complete list answers later pages and queries.
  std::chrono::milliseconds fresh_for{std::chrono::minutes(2)};
  /// Longest wait for the end of LIST (323) before answering with what arrived.
  std::chrono::milliseconds timeout{std::chrono::seconds(25)};
  std::size_t default_page = 100;
  std::size_t max_page = 500;
};

class RoomListing {
 public:
  explicit RoomListing(Bridge& bridge, RoomListingLimits limits = {}) : b_(bridge), limits_(limits) {}
  ~RoomListing();
  RoomListing(const RoomListing&) = delete;
  RoomListing& operator=(const RoomListing&) = delete;

  /// disco#items (no node) to the network JID: always answered, now or once LIST ends.
  void on_disco_items(const xmpp::Element& iq, const xmpp::Jid& from, const std::string& network);

  /// 321 RPL_LISTSTART, 322 RPL_LIST, 323 RPL_LISTEND: true when a listing of ours took the
  /// line (a LIST the user typed on the server JID is shown there instead).
  bool rpl_list_start(NetworkSession& s, const IrcMessage& m);
  bool rpl_list(NetworkSession& s, const IrcMessage& m);
  bool rpl_list_end(NetworkSession& s, const IrcMessage& m);

  /// Users in a channel according to the user's last list, while it is kept.
  std::optional<std::uint32_t> users_in(const std::string& user, const std::string& network,
                                        std::string_view channel) const;

  void set_limits(RoomListingLimits limits) { limits_ = limits; }
  std::size_t lists_kept() const { return lists_.size(); }

 private:
  using Key = std::pair<std::string, std::string>;  // bare user, network
  struct Waiter {
    xmpp::Element iq;
    RsmRequest rsm;
  };
  struct List {
    std::vector<ListedRoom> rooms;
    bool collecting = false;
    bool truncated = false;
    std::uint64_t serial = 0;  // of the session the LIST was sent on
    std::chrono::steady_clock::time_point finished;
    std::uint64_t last_used = 0;
    std::vector<Waiter> waiters;
    std::unique_ptr<asio::steady_timer> timer;
  };

  List* collecting_for(NetworkSession& s);
  void start(const Key& key, Waiter waiter);
  void arm_timer(const Key& key, List& list);
  void timed_out(const Key& key);
  void finish(const Key& key, List& list);
  void answer(const Waiter& waiter, const std::string& network, const List& list);
  void fail_waiters(List& list, std::string_view condition, const std::string& text);
  void evict_over_limit();
  bool fresh(const List& list) const;

  Bridge& b_;
  RoomListingLimits limits_;
  std::map<Key, List> lists_;
  std::uint64_t use_counter_ = 0;
};

}  // namespace junction::irc
