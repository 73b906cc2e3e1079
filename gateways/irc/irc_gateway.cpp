#include "gateways/irc/irc_gateway.hpp"

#include "gateways/irc/disco.hpp"
#include "util/asio.hpp"
#include "util/log.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

namespace junction::irc {

IrcGateway::IrcGateway(core::GatewayContext& context, IrcLinkFactory factory)
    : bridge_(std::make_unique<Bridge>(
          context, read_options(context.config()),
          factory ? std::move(factory) : make_connection_factory(context.io()),
          SessionManager::Hooks{
              [this](NetworkSession& s) { link_registered(s); },
              [this](NetworkSession& s, const IrcMessage& m) { dispatcher_.dispatch(s, m); },
              [this](NetworkSession& s, const LinkLoss& loss) { link_lost(s, loss); },
              [this](NetworkSession& s) { return muc_.wants_reconnect(s); }})),
      muc_(*bridge_),
      chat_(*bridge_),
      mam_(*bridge_),
      dispatcher_(muc_, chat_),
      settings_(*bridge_, SettingsCommands::Hooks{
                              [this](const std::string& user, const std::string& network) {
                                persistent_rooms_changed(user, network);
                              },
                              [this](NetworkSession& s, const std::string& reason) {
                                muc_.link_lost(s, reason, false);
                                bridge_->sessions.close(s, reason);
                              }}) {}

IrcGateway::~IrcGateway() = default;

std::vector<std::string> IrcGateway::features() const { return gateway_features(*bridge_); }

namespace {
// Long enough to gather many rooms' lines into one transaction (fewer pages written per
// line), short enough that a crash loses no more of the archive than a fifth of a second.
// MAM queries and join history never wait for it.
constexpr std::chrono::milliseconds history_write_window{200};
}  // namespace

void IrcGateway::start() {
  Bridge& b = *bridge_;
  if (b.options.history_enabled && !b.history) {
    if (auto* sqlite = dynamic_cast<store::SqliteStore*>(&b.ctx.store())) {
      auto history = std::make_unique<HistoryStore>(
          *sqlite, [&ctx = b.ctx](std::function<void()> work, std::function<void()> done) {
            ctx.offload(std::move(work), std::move(done));
          },
          b.options.history_days);
      history->set_write_window(
          [&io = b.ctx.io()](std::chrono::milliseconds delay, std::function<void()> then) {
            auto timer = std::make_shared<asio::steady_timer>(io, delay);
            timer->async_wait([timer, then = std::move(then)](const boost::system::error_code&) { then(); });
          },
          history_write_window);
      if (auto migrated = history->migrate(); migrated)
        b.history = std::move(history);
      else
        log::error("irc", "{}: history off, archive table unusable: {}", b.ctx.name(), migrated.error().message);
    } else {
      log::warn("irc", "{}: history off: the store has no SQL tables for gateways", b.ctx.name());
    }
  }
  for (const auto& [user, network] : b.settings.users_with_persistent_rooms()) persistent_rooms_changed(user, network);
}

void IrcGateway::stop(std::function<void()> done) {
  for (NetworkSession* s : bridge_->sessions.all()) muc_.link_lost(*s, "the gateway is shutting down", false);
  bridge_->sessions.close_all("Gateway shutting down", std::move(done));
}

void IrcGateway::reload(const toml::table& config) {
  // Addressing (fixed_network) is fixed for the life of the process: JIDs must not change
  // meaning under connected users.
  auto next = read_options(config);
  next.fixed_network = bridge_->options.fixed_network;
  bridge_->options = std::move(next);
}

std::string IrcGateway::gateway_description() const {
  return bridge_->jids.fixed() ? "Enter a channel (#chan) or a nick."
                               : "Enter a channel or nick with its network: #chan%network or nick%network.";
}

Result<xmpp::Jid> IrcGateway::legacy_to_jid(std::string_view legacy) const {
  const Bridge& b = *bridge_;
  std::string text(legacy);
  while (!text.empty() && text.back() == ' ') text.pop_back();
  while (!text.empty() && text.front() == ' ') text.erase(0, 1);
  if (text.empty()) return fail("enter a channel or a nick");
  std::string network = b.options.fixed_network, name = text;
  if (auto percent = text.rfind('%'); percent != std::string::npos) {
    network = text.substr(percent + 1);
    name = text.substr(0, percent);
  }
  if (network.empty()) return fail("add the network: " + text + "%network");
  if (!b.options.network(network)) return fail("unknown network \"" + network + "\"");
  std::string jid = looks_like_channel(name) ? b.jids.room(network, name) : b.jids.user(network, name);
  auto parsed = xmpp::Jid::parse(jid);
  if (jid.empty() || !parsed) return fail("\"" + text + "\" cannot be written as a JID");
  return *parsed;
}

void IrcGateway::reply_error(const xmpp::Element& stanza, std::string_view condition, std::string_view text) {
  if (stanza.attr_or("type") == "error") return;
  bridge_->send(xmpp::make_error_reply(stanza, "", condition, text));
}

void IrcGateway::on_message(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to) {
  const auto type = stanza.attr_or("type", "normal");
  if (type == "error") return;
  auto address = bridge_->jids.parse(to);
  if (!address) return reply_error(stanza, "jid-malformed", "not an IRC address");
  switch (address->kind) {
    case Address::Kind::gateway:
      return reply_error(stanza, "service-unavailable",
                         "write to #channel%network@" + bridge_->jids.domain() + " or nick%network@" +
                             bridge_->jids.domain());
    case Address::Kind::server:
      return chat_.to_server(stanza, from, address->network);
    case Address::Kind::user:
      return chat_.to_user(stanza, from, address->network, address->name);
    case Address::Kind::room:
      if (!address->occupant.empty()) {
        if (type == "groupchat") return reply_error(stanza, "bad-request", "groupchat goes to the room's bare JID");
        return chat_.to_user(stanza, from, address->network, address->occupant);
      }
      if (type == "groupchat") return muc_.on_groupchat(stanza, from, *address);
      if (const auto* x = stanza.child("x", xmpp::ns::muc_user); x && x->child("invite")) {
        // A mediated invitation: invite the IRC user it names.
        auto invitee = xmpp::Jid::parse(x->child("invite")->attr_or("to"));
        auto who = invitee ? bridge_->jids.parse(*invitee) : std::nullopt;
        NetworkSession* s = bridge_->sessions.find(from.bare_str(), address->network);
        if (!who || who->kind != Address::Kind::user || !s || !s->registered())
          return reply_error(stanza, "bad-request", "only IRC users of this network can be invited");
        s->link().send(make_message("INVITE", {who->name, address->name}));
        return;
      }
      return reply_error(stanza, "bad-request", "messages to a room are type groupchat");
  }
}

void IrcGateway::on_presence(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to) {
  auto address = bridge_->jids.parse(to);
  if (!address) return;
  const auto type = stanza.attr_or("type");
  if (address->kind == Address::Kind::room) {
    if (type == "error") {
      // The user's server bounced a room presence: that resource is gone from the room.
      xmpp::Element leave("presence");
      leave.set_attr("type", "unavailable");
      muc_.on_presence(leave, from, *address);
      return;
    }
    muc_.on_presence(stanza, from, *address);
  }
  if (type.empty()) chat_.user_presence(stanza, from);
}

bool IrcGateway::on_iq(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to) {
  const auto type = stanza.attr_or("type");
  if (type == "result" || type == "error") return false;
  auto address = bridge_->jids.parse(to);
  if (!address) return false;
  if (address->kind == Address::Kind::room && address->occupant.empty()) {
    if (mam_.on_iq(stanza, from, *address)) return true;
    if (muc_.on_admin_iq(stanza, from, *address)) return true;
    return false;
  }
  if (address->kind == Address::Kind::server && !to.node().empty()) {
    const auto* items = stanza.child("query", xmpp::ns::disco_items);
    if (items && items->attr_or("node") == xmpp::ns::commands) {
      bridge_->send(network_command_list(stanza, to));
      return true;
    }
  }
  if (address->kind == Address::Kind::server && type == "get" && bridge_->options.network(address->network)) {
    // The network's rooms (IRC LIST, paged); with a fixed network this is the domain itself.
    const auto* items = stanza.child("query", xmpp::ns::disco_items);
    if (items && items->attr_or("node").empty()) {
      muc_.listing().on_disco_items(stanza, from, address->network);
      return true;
    }
  }
  return false;
}

std::optional<xmpp::Element> IrcGateway::contact_presence(const xmpp::Jid& user, const xmpp::Jid& contact) {
  auto address = bridge_->jids.parse(contact);
  xmpp::Element presence("presence");
  if (address && address->kind == Address::Kind::server) {
    NetworkSession* s = bridge_->sessions.find(user.bare_str(), address->network);
    if (!s || !s->registered()) {
      presence.add_child("status").set_text("not connected");
      presence.add_child("show").set_text("xa");
    } else {
      presence.add_child("status").set_text("connected as " + s->nick());
    }
  }
  return presence;
}

std::optional<core::DiscoInfo> IrcGateway::disco_info(const xmpp::Jid& from, const xmpp::Jid& to) {
  auto address = bridge_->jids.parse(to);
  if (!address) return std::nullopt;
  return disco_info_for(*bridge_, muc_.listing(), from, *address);
}

std::vector<core::DiscoItem> IrcGateway::disco_items(const xmpp::Jid& from, const xmpp::Jid& to) {
  auto address = bridge_->jids.parse(to);
  if (!address) return {};
  return disco_items_for(*bridge_, from, *address);
}

std::vector<core::AdhocCommand> IrcGateway::commands() { return settings_.commands(); }

void IrcGateway::on_user_unavailable(const xmpp::Jid& full) {
  muc_.resource_gone(full.bare_str(), full.str());
  chat_.resource_gone(full);
}

void IrcGateway::link_registered(NetworkSession& s) {
  chat_.registered(s);
  if (s.registrations() > 1) {
    muc_.join_channels(s);
    server_notice(s, "Reconnected as " + s.nick());
  }
}

void IrcGateway::link_lost(NetworkSession& s, const LinkLoss& loss) {
  // One notice when the trouble starts and one when it ends, not one per failed attempt.
  std::string text;
  if (loss.retrying && loss.attempt == 0) {
    text = (loss.failed ? "Could not connect: " : "Disconnected: ") + loss.reason + "; reconnecting in " +
           std::to_string((loss.delay.count() + 999) / 1000) + " s";
  } else if (!loss.retrying) {
    text = loss.attempt > 0 ? "Gave up reconnecting after " + std::to_string(loss.attempt) + " attempts: " + loss.reason
                            : (loss.failed ? "Could not connect: " : "Disconnected: ") + loss.reason;
  }
  if (loss.retrying) muc_.link_down(s, loss.reason);
  else muc_.link_lost(s, loss.reason, loss.failed);
  if (!text.empty()) server_notice(s, text);
}

void IrcGateway::server_notice(NetworkSession& s, const std::string& text) {
  xmpp::Element notice("message");
  notice.set_attr("from", bridge_->jids.server(s.network()));
  notice.set_attr("to", s.user());
  notice.set_attr("type", "chat");
  notice.add_child("body").set_text(text);
  bridge_->send(std::move(notice));
}

void IrcGateway::persistent_rooms_changed(const std::string& user, const std::string& network) {
  auto rooms = bridge_->settings.effective(user, network).persistent_rooms;
  NetworkSession* s = bridge_->sessions.find(user, network);
  if (!s && rooms.empty()) return;
  if (!s) {
    auto opened = bridge_->sessions.open(user, network, {});
    if (!opened) {
      log::warn("irc", "{}: persistent rooms on {} not joined: {}", user, network, opened.error().message);
      return;
    }
    s = *opened;
  }
  muc_.set_persistent(*s, rooms);
  if (s->channels().empty()) bridge_->sessions.idle(*s);
}

std::vector<std::pair<std::string, std::string>> IrcGateway::statistics() const {
  std::size_t channels = 0;
  for (NetworkSession* s : bridge_->sessions.all()) channels += s->channels().size();
  std::vector<std::pair<std::string, std::string>> rows{
      {"IRC connections", std::to_string(bridge_->sessions.size())},
      {"IRC channels joined", std::to_string(channels)},
  };
  if (bridge_->history) rows.emplace_back("history waiting to be written", std::to_string(bridge_->history->queued()));
  return rows;
}

std::vector<core::ConfigProblem> validate_irc_config(const toml::table& section) { return validate_options(section); }

void register_irc_gateway() {
  core::register_gateway_kind({"irc",
                               [](core::GatewayContext& context) -> std::unique_ptr<core::Gateway> {
                                 return std::make_unique<IrcGateway>(context);
                               },
                               validate_irc_config, option_keys()});
}

}  // namespace junction::irc
