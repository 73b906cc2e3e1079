#pragma once
// The IRC gateway (kind "irc"): IRC channels as MUC rooms, IRC users and servers as contacts.
// This class only wires the parts together and routes the host's calls to them:
//   jid_mapping       addresses            session_manager  one IRC link per user and network
//   muc_bridge        rooms (XEP-0045)     private_chat     users, servers, away
//   irc_dispatch      IRC command table    mam/history_store  archive (XEP-0313)
//   settings_commands ad-hoc settings      disco            XEP-0030 answers
#include "core/gateway.hpp"
#include "gateways/irc/bridge.hpp"
#include "gateways/irc/irc_dispatch.hpp"
#include "gateways/irc/mam.hpp"
#include "gateways/irc/muc_bridge.hpp"
#include "gateways/irc/private_chat.hpp"
#include "gateways/irc/settings_commands.hpp"

#include <memory>

namespace junction::irc {

class IrcGateway final : public core::Gateway {
 public:
  /// `factory` makes the IRC links; empty means real connections on the context's loop.
  explicit IrcGateway(core::GatewayContext& context, IrcLinkFactory factory = {});
  ~IrcGateway() override;

  core::Identity identity() const override { return {"gateway", "irc", "IRC gateway"}; }
  std::vector<core::Identity> extra_identities() const override { return {{"conference", "irc", "IRC channels"}}; }
  std::vector<std::string> features() const override;
  void start() override;
  void stop(std::function<void()> done) override;
  void reload(const toml::table& config) override;

  std::string gateway_description() const override;
  std::string gateway_prompt() const override { return "Channel or nick"; }
  Result<xmpp::Jid> legacy_to_jid(std::string_view legacy) const override;

  void on_message(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to) override;
  void on_presence(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to) override;
  bool on_iq(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to) override;
  std::optional<xmpp::Element> contact_presence(const xmpp::Jid& user, const xmpp::Jid& contact) override;
  std::optional<core::DiscoInfo> disco_info(const xmpp::Jid& from, const xmpp::Jid& to) override;
  std::vector<core::DiscoItem> disco_items(const xmpp::Jid& from, const xmpp::Jid& to) override;
  std::vector<core::AdhocCommand> commands() override;
  void on_user_unavailable(const xmpp::Jid& full) override;
  std::vector<std::pair<std::string, std::string>> statistics() const override;

  /// For tests.
  Bridge& bridge() { return *bridge_; }
  MucBridge& rooms() { return muc_; }

 private:
  void link_registered(NetworkSession& session);
  void link_lost(NetworkSession& session, const LinkLoss& loss);
  void server_notice(NetworkSession& session, const std::string& text);
  void persistent_rooms_changed(const std::string& user, const std::string& network);
  void reply_error(const xmpp::Element& stanza, std::string_view condition, std::string_view text);

  std::unique_ptr<Bridge> bridge_;
  MucBridge muc_;
  PrivateChat chat_;
  MamService mam_;
  IrcDispatcher dispatcher_;
  SettingsCommands settings_;
};

std::vector<core::ConfigProblem> validate_irc_config(const toml::table& section);
void register_irc_gateway();

}  // namespace junction::irc
