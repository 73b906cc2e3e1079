#include "gateways/irc/room_listing.hpp"

#include "util/log.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

#include <algorithm>
#include <charconv>

namespace junction::irc {
namespace {

bool same_ascii_folded(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

std::string room_name(const ListedRoom& room) {
  return room.channel + " (" + std::to_string(room.users) + (room.users == 1 ? " user)" : " users)");
}

}  // namespace

RoomListing::~RoomListing() = default;

bool RoomListing::fresh(const List& list) const {
  return !list.collecting && std::chrono::steady_clock::now() - list.finished < limits_.fresh_for;
}

void RoomListing::on_disco_items(const xmpp::Element& iq, const xmpp::Jid& from, const std::string& network) {
  const auto* query = iq.child("query", xmpp::ns::disco_items);
  auto rsm = parse_rsm(*query);
  if (!rsm) return b_.send(xmpp::make_error_reply(iq, "", rsm.error().condition, rsm.error().text));
  Waiter waiter{iq, rsm->value_or(RsmRequest{})};
  Key key{from.bare_str(), network};
  auto it = lists_.find(key);
  if (it != lists_.end()) {
    List& list = it->second;
    list.last_used = ++use_counter_;
    if (fresh(list)) return answer(waiter, network, list);
    NetworkSession* s = b_.sessions.find(key.first, key.second);
    // serial 0: the LIST waits for the connection to register.
    if (list.collecting && s && (list.serial == 0 || s->serial() == list.serial)) {
      // Same LIST still arriving: wait for its end with the others.
      list.waiters.push_back(std::move(waiter));
      if (!list.timer) arm_timer(key, list);
      return;
    }
  }
  start(key, std::move(waiter));
}

void RoomListing::start(const Key& key, Waiter waiter) {
  auto opened = b_.sessions.open(key.first, key.second, {});
  if (!opened) {
    b_.send(xmpp::make_error_reply(waiter.iq, "", "item-not-found", opened.error().message));
    return;
  }
  NetworkSession& s = **opened;
  b_.sessions.touch(s);
  List& list = lists_[key];
  // A list from a connection that is gone may still have people waiting: they get this one.
  auto waiting = std::move(list.waiters);
  list = List{};
  list.collecting = true;
  list.last_used = ++use_counter_;
  list.waiters = std::move(waiting);
  list.waiters.push_back(std::move(waiter));
  arm_timer(key, list);
  s.when_registered(
      [this, key, &s] {
        auto it = lists_.find(key);
        if (it == lists_.end() || !it->second.collecting) return;
        it->second.serial = s.serial();
        s.link().send(make_message("LIST", {}));
      },
      [this, key](const std::string& reason) {
        auto it = lists_.find(key);
        if (it == lists_.end()) return;
        fail_waiters(it->second, "remote-server-not-found", "IRC server " + key.second + ": " + reason);
        lists_.erase(it);
      });
  evict_over_limit();
}

void RoomListing::arm_timer(const Key& key, List& list) {
  list.timer = std::make_unique<asio::steady_timer>(b_.ctx.io());
  list.timer->expires_after(limits_.timeout);
  list.timer->async_wait([this, key, timer = list.timer.get()](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: the list (or the whole gateway) is gone
    auto it = lists_.find(key);
    if (it == lists_.end() || it->second.timer.get() != timer) return;
    timed_out(key);
  });
}

void RoomListing::timed_out(const Key& key) {
  List& list = lists_.at(key);
  list.timer.reset();
  NetworkSession* s = b_.sessions.find(key.first, key.second);
  const bool alive = s && s->serial() == list.serial && list.serial != 0;
  log::info("irc", "{}: LIST on {} unfinished after {} ms with {} rooms", key.first, key.second,
            limits_.timeout.count(), list.rooms.size());
  if (list.rooms.empty()) {
    fail_waiters(list, "remote-server-timeout", "IRC server " + key.second + " sent no channel list in time");
    if (!alive) lists_.erase(key);
    return;
  }
  // Answer with what came so far; a LIST still running keeps filling the list (its lines
  // must not end up on the server JID), a dead one leaves it as it is.
  auto waiters = std::move(list.waiters);
  list.waiters.clear();
  for (const auto& w : waiters) answer(w, key.second, list);
  if (!alive) finish(key, list);
}

RoomListing::List* RoomListing::collecting_for(NetworkSession& s) {
  auto it = lists_.find({s.user(), s.network()});
  if (it == lists_.end() || !it->second.collecting || it->second.serial != s.serial()) return nullptr;
  return &it->second;
}

bool RoomListing::rpl_list_start(NetworkSession& s, const IrcMessage&) { return collecting_for(s) != nullptr; }

bool RoomListing::rpl_list(NetworkSession& s, const IrcMessage& m) {
  // 322 me #chan users :topic
  List* list = collecting_for(s);
  if (!list) return false;
  const std::string& channel = m.param(1);
  if (!s.isupport().is_channel(channel)) return true;  // "*": a secret channel, unnamed
  if (list->rooms.size() >= limits_.max_rooms) {
    list->truncated = true;
    return true;
  }
  std::uint32_t users = 0;
  const std::string& count = m.param(2);
  std::from_chars(count.data(), count.data() + count.size(), users);
  list->rooms.push_back({channel, users});
  return true;
}

bool RoomListing::rpl_list_end(NetworkSession& s, const IrcMessage&) {
  List* list = collecting_for(s);
  if (!list) return false;
  finish({s.user(), s.network()}, *list);
  if (s.channels().empty()) b_.sessions.idle(s);
  return true;
}

void RoomListing::finish(const Key& key, List& list) {
  list.collecting = false;
  list.timer.reset();
  list.finished = std::chrono::steady_clock::now();
  // Busiest first, then by name: a stable order for paging.
  std::sort(list.rooms.begin(), list.rooms.end(), [](const ListedRoom& a, const ListedRoom& b) {
    return a.users != b.users ? a.users > b.users : a.channel < b.channel;
  });
  list.rooms.shrink_to_fit();
  if (list.truncated)
    log::warn("irc", "{}: channel list of {} cut at {} rooms", key.first, key.second, list.rooms.size());
  auto waiters = std::move(list.waiters);
  list.waiters.clear();
  for (const auto& w : waiters) answer(w, key.second, list);
  evict_over_limit();
}

void RoomListing::answer(const Waiter& waiter, const std::string& network, const List& list) {
  auto position_of = [&](std::string_view uid) -> std::optional<std::size_t> {
    auto jid = xmpp::Jid::parse(uid);
    auto address = jid ? b_.jids.parse(*jid) : std::nullopt;
    if (!address || address->kind != Address::Kind::room || address->network != network) return std::nullopt;
    for (std::size_t i = 0; i < list.rooms.size(); ++i)
      if (same_ascii_folded(list.rooms[i].channel, address->name)) return i;
    return std::nullopt;
  };
  auto window = rsm_window(waiter.rsm, list.rooms.size(), limits_.default_page, limits_.max_page, position_of);
  if (!window) return b_.send(xmpp::make_error_reply(waiter.iq, "", window.error().condition, window.error().text));
  auto reply = xmpp::make_iq_result(waiter.iq);
  auto& query = reply.add_child("query", std::string(xmpp::ns::disco_items));
  std::string first, last;
  for (std::size_t i = window->begin; i < window->end; ++i) {
    const ListedRoom& room = list.rooms[i];
    std::string jid = b_.jids.room(network, room.channel);
    if (jid.empty()) continue;  // a name no JID can carry
    auto& item = query.add_child("item");
    item.set_attr("jid", jid);
    item.set_attr("name", room_name(room));
    if (first.empty()) first = jid;
    last = std::move(jid);
  }
  query.add_child(rsm_set(*window, list.rooms.size(), first, last));
  b_.send(std::move(reply));
}

void RoomListing::fail_waiters(List& list, std::string_view condition, const std::string& text) {
  auto waiters = std::move(list.waiters);
  list.waiters.clear();
  for (const auto& w : waiters) b_.send(xmpp::make_error_reply(w.iq, "", condition, text));
}

void RoomListing::evict_over_limit() {
  while (lists_.size() > limits_.max_lists) {
    auto oldest = lists_.end();
    for (auto it = lists_.begin(); it != lists_.end(); ++it)
      if (!it->second.collecting && (oldest == lists_.end() || it->second.last_used < oldest->second.last_used))
        oldest = it;
    if (oldest == lists_.end()) return;  // all still arriving: they finish first
    lists_.erase(oldest);
  }
}

std::optional<std::uint32_t> RoomListing::users_in(const std::string& user, const std::string& network,
                                                   std::string_view channel) const {
  auto it = lists_.find({user, network});
  if (it == lists_.end() || it->second.collecting) return std::nullopt;
  if (std::chrono::steady_clock::now() - it->second.finished >= limits_.fresh_for) return std::nullopt;
  for (const auto& room : it->second.rooms)
    if (same_ascii_folded(room.channel, channel)) return room.users;
  return std::nullopt;
}

}  // namespace junction::irc
