#include "address.hpp"

#include "utf8.hpp"
#include "xmpp/jid.hpp"

#include <fmt/format.h>

namespace junction::email {
namespace {

constexpr std::size_t kMaxLocal = 64;    // RFC 5321 4.5.3.1.1
constexpr std::size_t kMaxDomain = 255;  // RFC 5321 4.5.3.1.2
constexpr std::size_t kMaxLabel = 63;
// RFC 5321 caps the path at 256 octets including the angle brackets.
constexpr std::size_t kMaxAddress = 254;

bool is_ascii_alnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 5322 atext, widened by RFC 6531 to any non-ASCII byte (UTF-8 validity is checked apart).
bool is_atext(unsigned char c) {
  if (is_ascii_alnum(c) || c >= 0x80) return true;
  constexpr std::string_view specials = "!#$%&'*+-/=?^_`{|}~";
  return specials.find(static_cast<char>(c)) != std::string_view::npos;
}

Result<void> check_local(std::string_view local) {
  if (local.empty()) return fail("the address has an empty local part");
  if (local.size() > kMaxLocal) return fail(fmt::format("the local part is longer than {} bytes", kMaxLocal));
  if (local.front() == '"') return fail("quoted local parts are not supported");
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return fail("the local part has a misplaced dot");
  }
  for (char c : local) {
    if (c != '.' && !is_atext(static_cast<unsigned char>(c))) {
      return fail(fmt::format("the local part contains a forbidden character (0x{:02x})", static_cast<unsigned char>(c)));
    }
  }
  return {};
}

Result<void> check_domain(std::string_view domain) {
  if (domain.empty()) return fail("the address has an empty domain");
  if (domain.front() == '[') return fail("domain literals are not supported");
  if (domain.size() > kMaxDomain) return fail("the domain is too long");
  std::size_t start = 0;
  while (start <= domain.size()) {
    std::size_t dot = domain.find('.', start);
    std::string_view label = domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > kMaxLabel) return fail("the domain has an empty or overlong label");
    if (label.front() == '-' || label.back() == '-') return fail("a domain label starts or ends with '-'");
    for (char ch : label) {
      auto c = static_cast<unsigned char>(ch);
      if (!is_ascii_alnum(c) && c != '-' && c < 0x80) {
        return fail(fmt::format("the domain contains a forbidden character (0x{:02x})", c));
      }
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return {};
}

}  // namespace

std::string MailAddress::key() const {
  std::string k = local;
  k.push_back('@');
  for (char c : domain) k.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  return k;
}

Result<MailAddress> parse_address(std::string_view text) {
  if (text.size() > kMaxAddress) return fail(fmt::format("the address is longer than {} bytes", kMaxAddress));
  if (!is_valid_utf8(text)) return fail("the address is not valid UTF-8");
  // The last '@' splits, so a quoted local part holding '@' is still caught as quoted.
  std::size_t at = text.rfind('@');
  if (at == std::string_view::npos) return fail("the address has no '@'");
  MailAddress address{std::string(text.substr(0, at)), std::string(text.substr(at + 1))};
  if (auto ok = check_local(address.local); !ok) return std::unexpected(ok.error());
  if (auto ok = check_domain(address.domain); !ok) return std::unexpected(ok.error());
  return address;
}

std::string address_to_node(const MailAddress& address) { return xmpp::escape_node(address.str()); }

Result<MailAddress> address_from_node(std::string_view node) {
  std::string raw = xmpp::unescape_node(node);
  if (raw.find('@') == std::string::npos) {
    std::size_t percent = raw.rfind('%');
    if (percent == std::string::npos) return fail("the JID node holds no email address (expected user\\40domain)");
    raw[percent] = '@';
  }
  return parse_address(raw);
}

bool same_mailbox(const MailAddress& a, const MailAddress& b) { return a.key() == b.key(); }

}  // namespace junction::email
