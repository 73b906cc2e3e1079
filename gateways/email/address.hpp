#pragma once
// Email addresses as the gateway sees them: a validated addr-spec (RFC 5321 limits) that maps
// to and from a JID node. The node form is XEP-0106 escaped ("bob\40example.com"); the
// biboumi-style "bob%example.com" is accepted on the way in. The address keeps the case it
// was written in, because local parts are case-sensitive in principle (RFC 5321 2.4), even if
// nodeprep later folds the JID node.
#include "util/result.hpp"

#include <string>
#include <string_view>

namespace junction::email {

struct MailAddress {
  std::string local;   // dot-atom local part, as written
  std::string domain;  // as written; compare through key()

  /// "local@domain".
  std::string str() const { return local + '@' + domain; }
  /// Comparison key: the local part as is, the domain lower-cased (domains are
  /// case-insensitive, local parts are not guaranteed to be).
  std::string key() const;

  bool operator==(const MailAddress&) const = default;
};

/// Parses a bare addr-spec ("bob@example.com", no angle brackets or display name). Refuses
/// quoted local parts, domain literals, CR/LF/NUL/space/<>, a local part over 64 bytes and an
/// address over 254 bytes. UTF-8 is allowed in both parts (SMTPUTF8 addresses).
Result<MailAddress> parse_address(std::string_view text);

/// The JID node for an address: XEP-0106 escaped, case kept.
std::string address_to_node(const MailAddress& address);

/// The address a JID node stands for: "bob\40example.com" or "bob%example.com" (the last '%'
/// separates the domain when there is no '@').
Result<MailAddress> address_from_node(std::string_view node);

/// True when both denote the same mailbox (same key()).
bool same_mailbox(const MailAddress& a, const MailAddress& b);

}  // namespace junction::email
