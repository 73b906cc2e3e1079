#pragma once
// The user's IRC away state from the presences of all their online resources. IRC has one
// AWAY per connection while XMPP has one show per resource: the user is away only when no
// resource is available, and the text comes from the most available one.
#include <cstdint>
#include <map>
#include <string>

namespace junction::irc {

class AwayState {
 public:
  /// An available presence (show may be empty, "chat", "away", "xa" or "dnd").
  void update(const std::string& resource, const std::string& show, const std::string& status, int priority);
  /// The resource went offline; it no longer counts.
  void remove(const std::string& resource);
  bool empty() const { return resources_.empty(); }
  /// The AWAY text of the most available resource ("" = present); ties go to the higher
  /// priority, then the latest presence. Meaningless when empty(): callers keep IRC as it is.
  std::string away_text() const;

 private:
  struct Resource {
    int rank = 0;  // chat 4 > available 3 > away 2 > xa 1 > dnd 0
    int priority = 0;
    std::uint64_t seq = 0;  // later presences win ties
    std::string text;
  };
  std::map<std::string, Resource> resources_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace junction::irc
