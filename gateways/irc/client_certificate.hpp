#pragma once
// TLS client certificates for CertFP / SASL EXTERNAL. The network may name a PEM file for
// every connection; a user may paste their own certificate and key (kept in the kv store as
// PEM text), which then wins for their connections. The transport takes either form.
#include "gateways/irc/network_config.hpp"
#include "util/result.hpp"

#include <string>
#include <string_view>

namespace junction::irc {

/// Checks a pasted PEM: one certificate and the private key that belongs to it. Returns the
/// certificate's SHA-256 fingerprint (upper-case hex pairs joined by ':'), or an error that
/// says what is wrong in words for a form.
Result<std::string> check_client_certificate(std::string_view pem);

/// The SHA-256 fingerprint of the first certificate in `pem`, or "" when there is none.
std::string certificate_fingerprint(std::string_view pem);

/// Whether a client certificate string is PEM text rather than the name of a PEM file.
bool is_pem_text(std::string_view certificate);

/// What a connection presents: the user's own certificate (PEM text) when they have one,
/// else the identity's file, else the network's `client_certificate` file ("" = none).
std::string client_certificate_for(const UserIdentity& identity, const NetworkConfig& network);

}  // namespace junction::irc
