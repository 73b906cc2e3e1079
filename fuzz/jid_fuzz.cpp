// libFuzzer target: arbitrary bytes as a JID and as a legacy address to escape.
// Invariants checked:
//  - a JID that parses prints to a string that parses back to the same JID (preparation
//    is idempotent and str() never produces something ambiguous);
//  - bare()/bare_str()/with_resource() agree with str();
//  - unescape_node(escape_node(x)) == x for every x without leading/trailing spaces, and an
//    escaped node never starts or ends with \20.
#include "xmpp/jid.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void check_jid(std::string_view text) {
  using junction::xmpp::Jid;
  auto jid = Jid::parse(text);
  if (!jid) {
    check(!jid.error().message.empty());
    return;
  }
  check(!jid->empty());
  auto again = Jid::parse(jid->str());
  check(again.has_value());
  check(*again == *jid);
  check(again->str() == jid->str());
  check(jid->bare().str() == jid->bare_str());
  check(jid->bare().is_bare());
  if (!jid->is_bare()) check(jid->bare().with_resource(jid->resource()) == *jid);

  auto rebuilt = Jid::from_parts(jid->node(), jid->domain(), jid->resource());
  check(rebuilt.has_value());
  check(*rebuilt == *jid);
}

void check_escaping(std::string_view raw) {
  using junction::xmpp::escape_node;
  using junction::xmpp::unescape_node;
  std::string escaped = escape_node(raw);
  std::string_view e = escaped;
  check(!e.starts_with("\\20") && !e.ends_with("\\20"));

  std::size_t first = raw.find_first_not_of(' ');
  std::string_view trimmed =
      first == std::string_view::npos ? std::string_view{} : raw.substr(first, raw.find_last_not_of(' ') - first + 1);
  check(unescape_node(escaped) == trimmed);
  // An escaped node holds none of the characters the escapes exist to hide.
  check(escaped.find_first_of(" \"&'/:<>@") == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check_jid(text);
  check_escaping(text);
  return 0;
}
