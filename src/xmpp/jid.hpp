#pragma once
// JIDs (RFC 7622 form, prepared with the stringprep profiles of RFC 3920 that Prosody and
// ejabberd still apply: nodeprep, nameprep, resourceprep via libidn). Each part is limited to
// 1023 bytes after preparation. Also XEP-0106 JID escaping for legacy addresses in the node.
#include "util/result.hpp"

#include <compare>
#include <string>
#include <string_view>

namespace junction::xmpp {

class Jid {
 public:
  Jid() = default;
  // Parses and prepares; an error says which part is wrong and why.
  static Result<Jid> parse(std::string_view text);
  // Builds from parts (each prepared and checked).
  static Result<Jid> from_parts(std::string_view node, std::string_view domain, std::string_view resource = {});

  const std::string& node() const { return node_; }
  const std::string& domain() const { return domain_; }
  const std::string& resource() const { return resource_; }

  bool empty() const { return domain_.empty(); }
  bool is_bare() const { return resource_.empty(); }
  Jid bare() const;
  Jid with_resource(std::string_view resource) const;  // resource is prepared; invalid -> bare
  std::string str() const;       // node@domain/resource
  std::string bare_str() const;  // node@domain

  auto operator<=>(const Jid&) const = default;

 private:
  std::string node_, domain_, resource_;
};

// XEP-0106: escape a legacy address for use as a JID node ("bob@example.com" ->
// "bob\40example.com") and back. unescape_node leaves sequences that are not one of the ten
// escapes untouched, as the XEP requires.
std::string escape_node(std::string_view raw);
std::string unescape_node(std::string_view escaped);

}  // namespace junction::xmpp
