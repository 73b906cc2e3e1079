#pragma once
// Where and how to reach one IRC network, and who we are on it. Plain data filled from the
// configuration ([gateways.NAME.networks.ALIAS]) or, for ad-hoc servers, from a host name.
#include "encoding.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace junction::irc {

struct NetworkConfig {
  /// [gateways.NAME.networks.ALIAS], or the host name for ad-hoc servers.
  std::string alias;
  std::string host;
  std::uint16_t port = 6667;
  bool tls = false;
  /// Certificate chain and host name verification against the system CA bundle. When false,
  /// any certificate is accepted (and a warning logged): only for test networks.
  bool verify = true;
  /// Pinned SHA-256 of the server certificate (hex, colons and case ignored). When set, it
  /// replaces CA verification: a matching self-signed certificate is accepted, anything else
  /// refused.
  std::string fingerprint;
  /// PEM file with a client certificate and its key, presented in the TLS handshake by every
  /// connection to this network unless the user has one of their own (CertFP, SASL EXTERNAL).
  std::string client_certificate;
  /// Sent as PASS before NICK/USER when not empty.
  std::string password;
  /// Charset assumed for incoming bytes that are not UTF-8.
  Fallback encoding = Fallback::cp1252;
  /// Charset of what we send: UTF-8, or a legacy single-byte charset for networks that
  /// predate UTF-8 (characters it lacks are sent as '?').
  OutEncoding encoding_out = OutEncoding::utf8;
  /// Flood control: this many lines back to back, then one per interval.
  int flood_burst = 5;
  std::chrono::milliseconds flood_interval{2000};
  /// Limit for DNS + TCP + TLS, and separately for registration (up to 001).
  std::chrono::seconds connect_timeout{20};
  /// Silence from the server before we PING it; no PONG within as long again -> the
  /// connection is considered dead.
  std::chrono::seconds ping_interval{90};
  /// After an unexpected drop: reconnect, waiting reconnect_min, then twice as long each
  /// failed attempt up to reconnect_max (each wait jittered between half and all of it).
  /// reconnect_attempts = 0 keeps trying for as long as some room is wanted.
  bool reconnect = true;
  std::chrono::milliseconds reconnect_min{2000};
  std::chrono::milliseconds reconnect_max{300000};
  int reconnect_attempts = 0;
};

struct UserIdentity {
  std::string nick;
  std::string username;
  std::string realname;
  /// "", "PLAIN" or "EXTERNAL" (case-insensitive).
  std::string sasl_mechanism;
  std::string sasl_user;
  std::string sasl_password;
  /// Sent to NickServ after registration (also used when SASL PLAIN could not be done).
  std::string nickserv_password;
  /// PEM file holding the client certificate and its private key, presented during the
  /// TLS handshake (SASL EXTERNAL / CertFP).
  std::string client_cert_pem_file;
  /// The user's own certificate and key as PEM text (from irc/configure); wins over the file
  /// and over the network's certificate.
  std::string client_cert_pem;
  /// Raw lines sent once registered, in order; lines containing CR, LF or NUL are refused.
  std::vector<std::string> on_connect_commands;
};

}  // namespace junction::irc
