#include "xmpp/jid.hpp"

#include <arpa/inet.h>
#include <idn-free.h>
#include <idna.h>
#include <stringprep.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>

namespace junction::xmpp {
namespace {

constexpr std::size_t max_part_bytes = 1023;
constexpr std::size_t max_label_bytes = 63;

// Unassigned code points are allowed (flags 0), as RFC 3454 permits for queries and as
// Prosody and ejabberd do by default: a gateway only ever looks JIDs up, it never registers
// them on the server, and refusing a newer Unicode character would make some users
// unreachable. Every profile below is run with the same flags so that a JID that passed
// once passes again.
constexpr auto prep_flags = static_cast<Stringprep_profile_flags>(0);

// Length in bytes of the UTF-8 sequence starting at text[i], or 0 when it is not a
// well-formed one (overlong forms, surrogates and code points past U+10FFFF included).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i, char32_t* code_point = nullptr) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  std::size_t length = 0;
  char32_t cp = 0;
  if (lead < 0x80) {
    length = 1;
    cp = lead;
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07u;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  }
  if ((length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  if (code_point) *code_point = cp;
  return length;
}

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string describe_character(char32_t cp) {
  char buf[32];
  if (cp > 0x20 && cp < 0x7F)
    std::snprintf(buf, sizeof buf, "'%c'", static_cast<char>(cp));
  else if (cp == 0x20)
    std::snprintf(buf, sizeof buf, "' ' (space)");
  else
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

int run_stringprep(std::string& buffer, const Stringprep_profile* profile) {
  return stringprep(buffer.data(), buffer.size(), prep_flags, profile);
}

// stringprep() only says "prohibited"; a user needs to know which character. Testing the
// characters one by one is slow but runs only on the error path.
std::optional<char32_t> find_prohibited(std::string_view text, const Stringprep_profile* profile) {
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    std::size_t n = utf8_sequence_length(text, i, &cp);
    if (n == 0) return std::nullopt;
    std::string one(text.substr(i, n));
    one.resize(64, '\0');
    if (run_stringprep(one, profile) == STRINGPREP_CONTAINS_PROHIBITED) return cp;
    i += n;
  }
  return std::nullopt;
}

// The three profiles on printable ASCII (U+0021..U+007E), without libidn: their mapping
// tables (B.1, and B.2 for node and domain) only fold A-Z to a-z there, NFKC and the bidi
// rules change nothing, and nothing in that range is prohibited except nodeprep's eight
// characters. Nearly every JID on the wire is ASCII and libidn was about half the cost of a
// stanza's dispatch (bench/core_path_bench). Anything else, and every error, takes libidn.
std::optional<std::string> prepare_ascii(std::string_view text, const Stringprep_profile* profile) {
  const bool node = profile == stringprep_xmpp_nodeprep;
  const bool fold = node || profile == stringprep_nameprep;
  if (!fold && profile != stringprep_xmpp_resourceprep) return std::nullopt;
  if (text.size() > max_part_bytes) return std::nullopt;
  std::string out(text);
  for (char& c : out) {
    if (c <= 0x20 || c >= 0x7F) return std::nullopt;  // also every byte of a UTF-8 sequence
    if (node && std::string_view("\"&'/:<>@").find(c) != std::string_view::npos) return std::nullopt;
    if (fold && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<std::string> prepare(std::string_view text, const Stringprep_profile* profile, std::string_view part) {
  if (auto ascii = prepare_ascii(text, profile)) return std::move(*ascii);
  std::string name(part);
  if (!is_valid_utf8(text)) return fail(name + " is not valid UTF-8");
  if (text.find('\0') != std::string_view::npos) return fail(name + " contains a forbidden character U+0000");

  // libidn grows its working copy itself and reports TOO_SMALL_BUFFER only when the result
  // does not fit; a buffer that holds both the input and the longest allowed result means
  // that code can only mean "too long".
  std::string buffer(text);
  buffer.resize(std::max(text.size(), max_part_bytes) + 1, '\0');
  int rc = run_stringprep(buffer, profile);
  switch (rc) {
    case STRINGPREP_OK:
      break;
    case STRINGPREP_TOO_SMALL_BUFFER:
      return fail(name + " is longer than 1023 bytes");
    case STRINGPREP_CONTAINS_PROHIBITED:
      if (auto cp = find_prohibited(text, profile))
        return fail(name + " contains a forbidden character " + describe_character(*cp));
      return fail(name + " contains a forbidden character");
    case STRINGPREP_BIDI_BOTH_L_AND_RAL:
      return fail(name + " mixes left-to-right and right-to-left text");
    case STRINGPREP_BIDI_LEADTRAIL_NOT_RAL:
      return fail(name + " has right-to-left text that does not start and end with a right-to-left character");
    case STRINGPREP_BIDI_CONTAINS_PROHIBITED:
      return fail(name + " contains a character forbidden in right-to-left text");
    default:
      return fail(name + " could not be prepared: " + stringprep_strerror(static_cast<Stringprep_rc>(rc)));
  }
  buffer.resize(buffer.find('\0'));
  if (buffer.size() > max_part_bytes) return fail(name + " is longer than 1023 bytes");
  return buffer;
}

Result<std::string> prepare_node(std::string_view node) {
  if (node.empty()) return std::string{};
  auto prepared = prepare(node, stringprep_xmpp_nodeprep, "node");
  if (prepared && prepared->empty()) return fail("node is empty after preparation");
  return prepared;
}

Result<std::string> prepare_resource(std::string_view resource) {
  auto prepared = prepare(resource, stringprep_xmpp_resourceprep, "resource");
  if (prepared && prepared->empty()) return fail("resource is empty");
  return prepared;
}

Result<std::string> prepare_ip_literal(std::string_view domain) {
  if (domain.size() < 3 || domain.back() != ']') return fail("domain is not a valid IPv6 literal");
  std::string inner(domain.substr(1, domain.size() - 2));
  in6_addr address{};
  if (inet_pton(AF_INET6, inner.c_str(), &address) != 1) return fail("domain is not a valid IPv6 literal");
  std::string lowered(domain);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return lowered;
}

// Label lengths are a DNS limit, so they are measured in the ASCII (punycode) form that goes
// on the wire, not in the Unicode form kept in the JID.
Result<void> check_label(const std::string& label) {
  if (label.empty()) return fail("domain has an empty label");
  bool ascii = std::all_of(label.begin(), label.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  std::size_t length = label.size();
  if (!ascii) {
    char* out = nullptr;
    int rc = idna_to_ascii_8z(label.c_str(), &out, IDNA_ALLOW_UNASSIGNED);
    if (rc != IDNA_SUCCESS) {
      idn_free(out);
      return fail("domain label '" + label + "' is not a valid internationalised name: " + idna_strerror(static_cast<Idna_rc>(rc)));
    }
    length = std::char_traits<char>::length(out);
    idn_free(out);
  }
  if (length > max_label_bytes) return fail("domain label '" + label + "' is longer than 63 bytes");
  return {};
}

Result<std::string> prepare_domain(std::string_view domain) {
  if (domain.empty()) return fail("domain is empty");
  if (domain.front() == '[') return prepare_ip_literal(domain);

  auto prepared = prepare(domain, stringprep_nameprep, "domain");
  if (!prepared) return prepared;
  std::string& name = *prepared;
  // "example.org." is the same host as "example.org"; only one dot goes, so "a.." stays
  // wrong.
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name.empty()) return fail("domain is empty");

  // Nameprep lets through ASCII that no host name contains; anything but letters, digits,
  // '-', '_' and '.' would also make the JID ambiguous ('@', '/') or unsafe to log.
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) continue;
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return fail("domain contains a forbidden character " + describe_character(u));
  }
  for (std::size_t start = 0;;) {
    std::size_t dot = name.find('.', start);
    auto checked = check_label(name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (!checked) return std::unexpected(checked.error());
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return prepared;
}

struct Escape {
  char raw;
  std::string_view code;  // the two hex digits after the backslash
};
constexpr std::array<Escape, 10> escapes{{{' ', "20"},
                                          {'"', "22"},
                                          {'&', "26"},
                                          {'\'', "27"},
                                          {'/', "2f"},
                                          {':', "3a"},
                                          {'<', "3c"},
                                          {'>', "3e"},
                                          {'@', "40"},
                                          {'\\', "5c"}}};

const Escape* escape_for_raw(char c) {
  for (const auto& e : escapes)
    if (e.raw == c) return &e;
  return nullptr;
}

// The escape whose sequence starts at text[i] (the backslash), if any. Only lowercase hex
// counts: nodeprep folds case, so a prepared node never holds "\2F" and treating it as an
// escape would break the escape/unescape round trip.
const Escape* escape_at(std::string_view text, std::size_t i) {
  if (i + 2 >= text.size() || text[i] != '\\') return nullptr;
  std::string_view code = text.substr(i + 1, 2);
  for (const auto& e : escapes)
    if (e.code == code) return &e;
  return nullptr;
}

}  // namespace

Result<Jid> Jid::from_parts(std::string_view node, std::string_view domain, std::string_view resource) {
  Jid jid;
  auto n = prepare_node(node);
  if (!n) return std::unexpected(n.error());
  auto d = prepare_domain(domain);
  if (!d) return std::unexpected(d.error());
  jid.node_ = std::move(*n);
  jid.domain_ = std::move(*d);
  if (!resource.empty()) {
    auto r = prepare_resource(resource);
    if (!r) return std::unexpected(r.error());
    jid.resource_ = std::move(*r);
  }
  return jid;
}

Result<Jid> Jid::parse(std::string_view text) {
  if (text.empty()) return fail("JID is empty");
  std::string_view resource;
  std::size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    resource = text.substr(slash + 1);
    if (resource.empty()) return fail("resource is empty");
    text = text.substr(0, slash);
  }
  std::string_view node;
  std::size_t at = text.find('@');
  if (at != std::string_view::npos) {
    node = text.substr(0, at);
    if (node.empty()) return fail("node is empty");
    text = text.substr(at + 1);
  }
  return from_parts(node, text, resource);
}

Jid Jid::bare() const {
  Jid jid = *this;
  jid.resource_.clear();
  return jid;
}

Jid Jid::with_resource(std::string_view resource) const {
  Jid jid = bare();
  if (resource.empty()) return jid;
  if (auto r = prepare_resource(resource)) jid.resource_ = std::move(*r);
  return jid;
}

std::string Jid::bare_str() const {
  if (node_.empty()) return domain_;
  std::string out;
  out.reserve(node_.size() + 1 + domain_.size());
  out.append(node_).append(1, '@').append(domain_);
  return out;
}

std::string Jid::str() const {
  std::string out = bare_str();
  if (!resource_.empty()) out.append(1, '/').append(resource_);
  return out;
}

std::string escape_node(std::string_view raw) {
  // XEP-0106 forbids an escaped node that starts or ends with \20. Leading and trailing
  // spaces in a legacy address are typing noise, so they are dropped rather than refused.
  std::size_t first = raw.find_first_not_of(' ');
  if (first == std::string_view::npos) return {};
  raw = raw.substr(first, raw.find_last_not_of(' ') - first + 1);

  std::string out;
  out.reserve(raw.size() + raw.size() / 4);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    // A backslash is escaped only where it would otherwise be read back as an escape, so
    // "c:\net" stays readable as "c\3a\net".
    if (c == '\\' && !escape_at(raw, i)) {
      out.push_back(c);
      continue;
    }
    if (const Escape* e = escape_for_raw(c)) {
      out.push_back('\\');
      out.append(e->code);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string unescape_node(std::string_view escaped) {
  std::string out;
  out.reserve(escaped.size());
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    if (const Escape* e = escape_at(escaped, i)) {
      out.push_back(e->raw);
      i += 2;
    } else {
      out.push_back(escaped[i]);
    }
  }
  return out;
}

}  // namespace junction::xmpp
