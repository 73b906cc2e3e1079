#pragma once
// What one user's connection knows about one channel: the members with their status
// prefixes, the topic, and which XMPP resources of the user sit in the room. Pure state, no
// I/O: the MUC bridge reads and updates it as IRC and XMPP events arrive.
#include "gateways/irc/isupport.hpp"

#include <cstdint>
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace junction::irc {

/// A member's status symbols ("@+" with multi-prefix), highest first. Kept inline: a gateway
/// with a thousand users in one busy channel holds a million members, so every byte counts.
class StatusSymbols {
 public:
  StatusSymbols() = default;
  StatusSymbols(std::string_view symbols) { assign(symbols); }
  StatusSymbols& operator=(std::string_view symbols) {
    assign(symbols);
    return *this;
  }
  std::string_view view() const { return {symbols_, size_}; }
  operator std::string_view() const { return view(); }
  bool empty() const { return size_ == 0; }
  std::size_t find(char symbol) const { return view().find(symbol); }
  const char* begin() const { return symbols_; }
  const char* end() const { return symbols_ + size_; }
  friend bool operator==(const StatusSymbols& a, std::string_view b) { return a.view() == b; }

 private:
  void assign(std::string_view symbols) {
    size_ = static_cast<unsigned char>(std::min(symbols.size(), sizeof symbols_));
    std::copy_n(symbols.data(), size_, symbols_);
  }
  char symbols_[7] = {};
  unsigned char size_ = 0;
};

struct Member {
  std::string nick;
  /// Status symbols, highest first ("@+" with multi-prefix). Not part of the ordering, so
  /// they may change while the member sits in the channel's set.
  mutable StatusSymbols prefixes;

  bool away() const { return away_note_ != nullptr; }
  std::string_view away_text() const { return away_note_ ? std::string_view(*away_note_) : std::string_view(); }
  void set_away(bool away, std::string_view text) const {
    away_note_ = away ? std::make_unique<std::string>(text) : nullptr;
  }

 private:
  // Only the few away members pay for a text (and a flag).
  mutable std::unique_ptr<std::string> away_note_;
};

/// XEP-0045 affiliation and role for a member's status prefixes.
struct MucPrivilege {
  std::string affiliation;  ///< owner | admin | member | none
  std::string role;         ///< moderator | participant | visitor
};
/// In a moderated (+m) channel only voiced and higher may speak: the others are visitors.
MucPrivilege privilege_for(std::string_view prefixes, bool moderated = false);

/// The channel's own modes, from RPL_CHANNELMODEIS (324) and MODE changes. Only letters
/// without a parameter, plus the key (+k) and the limit (+l); lists (+b) are not kept.
struct ChannelModes {
  /// 324 arrived: the rest means something.
  bool known = false;
  /// Set letters without a parameter ("nt", "imnst"), plus 'k' and 'l' while set.
  std::string flags;
  std::string key;
  std::optional<unsigned> limit;

  bool has(char mode) const { return flags.find(mode) != std::string::npos; }
  void set(char mode, bool on);
};

/// What a mode string changed for members, in order.
struct StatusChange {
  std::string nick;
  char symbol;
  bool on;
};

/// Applies "+mk-v key nick" to `modes`: channel modes are recorded, status modes returned
/// for the member list, list modes (+b) skipped with their parameter. CHANMODES from
/// ISUPPORT says which letters take a parameter.
std::vector<StatusChange> apply_modes(const ISupport& isupport, ChannelModes& modes, std::string_view change,
                                      const std::vector<std::string>& params);

/// What a resource asked for when joining (XEP-0045 <history/>); empty means the default.
struct HistoryRequest {
  std::optional<int> max_stanzas;
  std::optional<std::int64_t> since_ms;  ///< from seconds= or since=
};

struct PendingJoin {
  std::string resource;        ///< full JID of the joining XMPP resource
  std::string requested_nick;  ///< the room JID's resource it used
  std::string stanza_id;       ///< the join presence's id, echoed on errors
  HistoryRequest history;
};

class Channel {
 public:
  Channel(std::string name, std::string room_jid) : name_(std::move(name)), room_jid_(std::move(room_jid)) {}

  const std::string& name() const { return name_; }
  const std::string& room_jid() const { return room_jid_; }

  /// Adds or refreshes one NAMES entry ("@+nick").
  const Member& add_from_names(const ISupport& isupport, std::string_view entry);
  const Member& add(const ISupport& isupport, std::string_view nick);
  /// The removed member, if it was present.
  std::optional<Member> remove(const ISupport& isupport, std::string_view nick);
  /// Renames in place; false when the old nick is not a member.
  bool rename(const ISupport& isupport, std::string_view old_nick, std::string_view new_nick);
  /// Adds or takes away a status symbol; false when the nick is not a member.
  bool set_status(const ISupport& isupport, std::string_view nick, char symbol, bool on);
  Member* find(const ISupport& isupport, std::string_view nick);
  /// Ordered by the server's case mapping of the nick.
  const auto& members() const { return members_; }
  void clear_members() { members_.clear(); }
  /// A member's affiliation and role here (the channel's +m counts).
  MucPrivilege privilege(const Member& m) const { return privilege_for(m.prefixes, modes.has('m')); }

  std::string topic;
  std::string topic_setter;
  /// The key the user joined with (<password/>).
  std::string key;
  ChannelModes modes;
  /// Our own JOIN came back from the server.
  bool joined = false;
  /// The end of NAMES (366) arrived: the member list is complete.
  bool names_complete = false;
  /// Stay joined while no XMPP resource is in the room (user setting).
  bool persistent = false;
  /// Resources that have received their self-presence.
  std::set<std::string> resources;
  /// Resources waiting for the member list before their self-presence.
  std::vector<PendingJoin> pending;

 private:
  static std::string sorted_prefixes(const ISupport& isupport, std::string prefixes);

  /// Orders members by nick as the server compares names, so lookups need no folded copy of
  /// the nick stored beside it.
  struct ByFoldedNick {
    using is_transparent = void;
    CaseMapping mapping = CaseMapping::rfc1459;
    bool operator()(std::string_view a, std::string_view b) const;
    bool operator()(const Member& a, const Member& b) const { return (*this)(a.nick, b.nick); }
    bool operator()(const Member& a, std::string_view b) const { return (*this)(a.nick, b); }
    bool operator()(std::string_view a, const Member& b) const { return (*this)(a, b.nick); }
  };
  /// Re-sorts the members when the server announced another CASEMAPPING after they came.
  void follow(const ISupport& isupport);

  std::string name_;
  std::string room_jid_;
  std::set<Member, ByFoldedNick> members_;
};

}  // namespace junction::irc
