#pragma once
// The [gateways.NAME] keys of an email gateway: read once into a typed struct, and checked
// for `junction --check-config` with the line of each offending key.
#include "core/gateway.hpp"
#include "lmtp_session.hpp"
#include "reply_tail.hpp"

#include <chrono>
#include <cstddef>
#include <set>
#include <string>
#include <vector>

namespace junction::email {

struct EmailSettings {
  std::string mail_domain;                    // users' addresses: <JID node>@mail_domain
  std::string smtp_url = "smtp://127.0.0.1:25";
  std::string smtp_user, smtp_password;
  bool smtp_starttls = false;
  bool smtp_verify_peer = true;
  std::string inbound_listen = "127.0.0.1:2424";  // empty: no inbound listener
  InboundProtocol inbound_protocol = InboundProtocol::lmtp;
  std::string default_subject = "Message from XMPP";
  QuotedTail quoted_tail = QuotedTail::trim;
  std::size_t max_message_bytes = 25 * 1024 * 1024;
  std::size_t max_attachment_bytes = 10 * 1024 * 1024;
  std::chrono::hours attachment_ttl{24 * 7};
  int send_rate_per_minute = 20;
};

/// Reads a section that validate_email_config accepted; absent keys keep their defaults.
EmailSettings read_email_settings(const toml::table& table);

std::vector<core::ConfigProblem> validate_email_config(const toml::table& table);

/// The keys this kind accepts beyond the common ones.
const std::set<std::string>& email_config_keys();

}  // namespace junction::email
