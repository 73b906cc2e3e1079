#pragma once
// IRCv3 capability negotiation (CAP LS 302 / REQ / ACK / NAK / END, plus cap-notify NEW/DEL)
// and SASL PLAIN or EXTERNAL authentication during registration, or later when the server
// offers sasl through CAP NEW (services back after an outage). Pure protocol: lines go out
// through a sink and come in through handle(), so the whole dialogue is testable without a
// socket. Registration timeouts belong to the caller, which calls abort() when one fires.
#include "irc_message.hpp"

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace junction::irc {

struct SaslCredentials {
  enum class Mechanism { plain, external };
  Mechanism mechanism = Mechanism::plain;
  std::string authzid;  ///< Usually empty (authorize as the authenticated account).
  std::string authcid;  ///< The account name.
  std::string password;
};

struct CapConfig {
  /// Capabilities to request when offered ("sasl" only matters with credentials).
  std::vector<std::string> wanted{"multi-prefix", "sasl",        "server-time",    "away-notify",
                                  "echo-message", "message-tags", "account-notify", "extended-join",
                                  "chghost",      "cap-notify"};
  std::optional<SaslCredentials> sasl;
};

enum class SaslOutcome {
  not_attempted,  ///< No credentials configured.
  in_progress,
  succeeded,
  failed,       ///< The server rejected us or we gave up (abort()).
  unavailable,  ///< The server has no CAP, no sasl cap, or not our mechanism.
};

class CapNegotiator {
 public:
  using Sink = std::function<void(const IrcMessage&)>;

  CapNegotiator(CapConfig config, Sink send);

  /// Sends "CAP LS 302". Call before NICK/USER so the server holds registration for us.
  void start();

  /// Feeds one incoming message. Returns true when it belonged to negotiation (CAP,
  /// AUTHENTICATE, SASL numerics 900-908, ERR_UNKNOWNCOMMAND for CAP); other messages,
  /// including 001, are left to the caller but still observed (001 ends negotiation).
  bool handle(const IrcMessage& msg);

  /// Gives up waiting: aborts SASL ("AUTHENTICATE *") if in progress and sends CAP END.
  void abort();

  /// True once CAP END was sent or the server showed it has no CAP support.
  bool finished() const { return finished_; }

  bool enabled(std::string_view cap) const { return enabled_.count(std::string(cap)) > 0; }
  const std::set<std::string>& enabled_caps() const { return enabled_; }
  /// The value a capability was offered with ("PLAIN,EXTERNAL" for sasl), if offered.
  std::optional<std::string> offered_value(std::string_view cap) const;

  SaslOutcome sasl_outcome() const { return sasl_outcome_; }
  /// The account name from RPL_LOGGEDIN (900), empty before.
  const std::string& account() const { return account_; }
  /// True when a password was configured for PLAIN but SASL could not be used or failed:
  /// the caller should identify to NickServ instead once registered.
  bool use_nickserv_fallback() const;

 private:
  void on_cap(const IrcMessage& msg);
  void on_ls(std::string_view caps, bool more);
  void on_ack(std::string_view caps);
  void on_new(std::string_view caps);
  void request(const std::vector<std::string>& caps);
  void requests_settled();
  void start_sasl();
  void on_authenticate(const IrcMessage& msg);
  void sasl_done(SaslOutcome outcome);
  void end();
  bool sasl_possible() const;
  std::string mechanism_name() const;

  CapConfig config_;
  Sink send_;
  std::map<std::string, std::string, std::less<>> offered_;
  std::set<std::string> enabled_;
  std::size_t pending_requests_ = 0;
  bool listing_done_ = false;
  bool authenticating_ = false;
  /// A REQ in flight includes "sasl" from CAP NEW: authenticate once it is acknowledged.
  bool late_sasl_ = false;
  bool finished_ = false;
  SaslOutcome sasl_outcome_;
  std::string account_;
};

}  // namespace junction::irc
