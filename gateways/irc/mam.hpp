#pragma once
// XEP-0313 (urn:xmpp:mam:2) queries to a room JID, paged with XEP-0059 RSM, answered from
// the user's own archive of that room.
#include "gateways/irc/bridge.hpp"

namespace junction::irc {

class MamService {
 public:
  explicit MamService(Bridge& bridge) : b_(bridge) {}
  /// True when the iq was a MAM query (answered, possibly later).
  bool on_iq(const xmpp::Element& iq, const xmpp::Jid& from, const Address& room);

 private:
  void answer_form(const xmpp::Element& iq);
  Bridge& b_;
};

/// RSM page size when the client asks for none, and the most we give.
inline constexpr std::size_t mam_default_page = 50;
inline constexpr std::size_t mam_max_page = 250;

}  // namespace junction::irc
