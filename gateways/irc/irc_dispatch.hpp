#pragma once
// IRC command and numeric dispatch: one table row per command, with the fewest parameters a
// handler needs (shorter lines are dropped, so handlers read params without checks).
// Anything not in the table that is a numeric is shown from the server JID.
#include "gateways/irc/muc_bridge.hpp"
#include "gateways/irc/private_chat.hpp"

namespace junction::irc {

class IrcDispatcher {
 public:
  IrcDispatcher(MucBridge& muc, PrivateChat& chat) : muc_(muc), chat_(chat) {}
  void dispatch(NetworkSession& session, const IrcMessage& message);

  struct Route;

 private:
  MucBridge& muc_;
  PrivateChat& chat_;
};

}  // namespace junction::irc
