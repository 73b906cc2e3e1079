#include "isupport.hpp"

#include <stringprep.h>

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace junction::irc {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ISUPPORT values escape space, '=' and '\' as \xHH.
std::string unescape_value(std::string_view v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 3 < v.size() && v[i + 1] == 'x' && hex_value(v[i + 2]) >= 0 && hex_value(v[i + 3]) >= 0) {
      out += static_cast<char>(hex_value(v[i + 2]) * 16 + hex_value(v[i + 3]));
      i += 3;
    } else {
      out += v[i];
    }
  }
  return out;
}

std::optional<std::size_t> to_size(std::string_view v) {
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return n;
}

std::size_t table_size(const Stringprep_table_element* table) {
  std::size_t n = 0;
  while (table[n].start != 0 || table[n].end != 0) ++n;
  return n;
}

// RFC 3454 table B.2 (case folding for use with NFKC), then NFKC: what nodeprep does to a
// JID, without its prohibitions, which a nick comparison does not need. libidn searches a
// mapping table by its size, so it must be given.
const Stringprep_profile* casefold_profile() {
  static const Stringprep_profile profile[] = {
      {STRINGPREP_MAP_TABLE, Stringprep_profile_flags(0), stringprep_rfc3454_B_2, table_size(stringprep_rfc3454_B_2)},
      {STRINGPREP_NFKC, Stringprep_profile_flags(0), nullptr, 0},
      {Stringprep_profile_steps(0), Stringprep_profile_flags(0), nullptr, 0},
  };
  return profile;
}

void lower_ascii(std::string& s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
}

}  // namespace

std::string unicode_casefold(std::string_view utf8) {
  std::string out(utf8);
  const bool ascii = std::all_of(out.begin(), out.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) {
    lower_ascii(out);
    return out;
  }
  // Folding can grow the text (U+00DF -> "ss", ligatures): room for four times as much.
  std::string buffer(out);
  buffer.resize(out.size() * 4 + 16, '\0');
  if (stringprep(buffer.data(), buffer.size(), Stringprep_profile_flags(0), casefold_profile()) != STRINGPREP_OK) {
    lower_ascii(out);
    return out;
  }
  buffer.resize(buffer.find('\0'));
  return buffer;
}

void ISupport::apply(const IrcMessage& msg) {
  if (msg.params.size() < 2) return;
  // params[0] is our nick; the last parameter is human-readable text, not a token.
  for (std::size_t i = 1; i + 1 < msg.params.size(); ++i) apply_token(msg.params[i]);
}

void ISupport::apply_token(std::string_view token) {
  if (token.empty()) return;
  if (token.front() == '-') {
    std::string key = upper(token.substr(1));
    raw_.erase(key);
    reset_token(key);
    return;
  }
  std::size_t eq = token.find('=');
  std::string key = upper(token.substr(0, eq));
  std::string value = eq == std::string_view::npos ? std::string() : unescape_value(token.substr(eq + 1));
  raw_[key] = value;
  set_token(key, value);
}

void ISupport::reset_token(std::string_view key) {
  ISupport defaults;
  if (key == "PREFIX") {
    prefix_modes = defaults.prefix_modes;
    prefix_symbols = defaults.prefix_symbols;
  } else if (key == "CHANTYPES") {
    chantypes = defaults.chantypes;
  } else if (key == "CHANMODES") {
    chanmodes_a = defaults.chanmodes_a;
    chanmodes_b = defaults.chanmodes_b;
    chanmodes_c = defaults.chanmodes_c;
    chanmodes_d = defaults.chanmodes_d;
  } else if (key == "NICKLEN") {
    nicklen = defaults.nicklen;
  } else if (key == "CHANNELLEN") {
    channellen = defaults.channellen;
  } else if (key == "TARGMAX") {
    targmax_.clear();
  } else if (key == "CASEMAPPING") {
    casemapping = defaults.casemapping;
  }
}

void ISupport::set_token(std::string_view key, std::string_view value) {
  if (key == "PREFIX") {
    // "(ov)@+"; an empty value means no status prefixes at all.
    if (value.empty()) {
      prefix_modes.clear();
      prefix_symbols.clear();
      return;
    }
    std::size_t close = value.find(')');
    if (value.front() != '(' || close == std::string_view::npos) return;
    std::string_view modes = value.substr(1, close - 1);
    std::string_view symbols = value.substr(close + 1);
    if (modes.size() != symbols.size()) return;
    prefix_modes = std::string(modes);
    prefix_symbols = std::string(symbols);
  } else if (key == "CHANTYPES") {
    chantypes = std::string(value);
  } else if (key == "CHANMODES") {
    std::string* groups[] = {&chanmodes_a, &chanmodes_b, &chanmodes_c, &chanmodes_d};
    std::size_t start = 0;
    for (std::string* group : groups) {
      if (start > value.size()) {
        group->clear();
        continue;
      }
      std::size_t comma = value.find(',', start);
      *group = std::string(value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
      start = comma == std::string_view::npos ? value.size() + 1 : comma + 1;
    }
  } else if (key == "NICKLEN") {
    if (auto n = to_size(value); n && *n > 0) nicklen = *n;
  } else if (key == "CHANNELLEN") {
    // An empty CHANNELLEN means no limit.
    if (value.empty()) channellen = SIZE_MAX;
    else if (auto n = to_size(value); n && *n > 0) channellen = *n;
  } else if (key == "TARGMAX") {
    targmax_.clear();
    std::size_t start = 0;
    while (start < value.size()) {
      std::size_t comma = value.find(',', start);
      std::string_view item = value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      std::size_t colon = item.find(':');
      if (colon != std::string_view::npos) targmax_[upper(item.substr(0, colon))] = to_size(item.substr(colon + 1));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  } else if (key == "CASEMAPPING") {
    if (value == "ascii") casemapping = CaseMapping::ascii;
    else if (value == "strict-rfc1459") casemapping = CaseMapping::strict_rfc1459;
    else if (value == "rfc7613" || value == "precis") casemapping = CaseMapping::rfc7613;
    // rfc1459 and anything unknown fall back to the widest ASCII folding, which is the safe
    // side for "is this the same nick?".
    else casemapping = CaseMapping::rfc1459;
  }
}

std::string ISupport::casefold(std::string_view name) const {
  if (casemapping == CaseMapping::rfc7613) return unicode_casefold(name);
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    else if (casemapping != CaseMapping::ascii) {
      if (c == '[') c = '{';
      else if (c == ']') c = '}';
      else if (c == '\\') c = '|';
      else if (c == '~' && casemapping == CaseMapping::rfc1459) c = '^';
    }
  }
  return out;
}

bool ISupport::same_name(std::string_view a, std::string_view b) const {
  // Byte-wise mappings keep lengths; Unicode folding may not ("ß" and "SS").
  if (casemapping != CaseMapping::rfc7613 && a.size() != b.size()) return false;
  return casefold(a) == casefold(b);
}

bool ISupport::is_channel(std::string_view name) const {
  return !name.empty() && chantypes.find(name.front()) != std::string::npos;
}

std::pair<std::string, std::string_view> ISupport::split_status(std::string_view name) const {
  std::size_t n = 0;
  while (n < name.size() && prefix_symbols.find(name[n]) != std::string::npos) ++n;
  return {std::string(name.substr(0, n)), name.substr(n)};
}

std::optional<char> ISupport::mode_for_symbol(char symbol) const {
  std::size_t i = prefix_symbols.find(symbol);
  if (i == std::string::npos) return std::nullopt;
  return prefix_modes[i];
}

std::optional<char> ISupport::symbol_for_mode(char mode) const {
  std::size_t i = prefix_modes.find(mode);
  if (i == std::string::npos) return std::nullopt;
  return prefix_symbols[i];
}

std::optional<std::size_t> ISupport::max_targets(std::string_view command) const {
  auto it = targmax_.find(upper(command));
  if (it == targmax_.end()) return 1;
  return it->second;
}

std::optional<std::string> ISupport::raw(std::string_view key) const {
  auto it = raw_.find(upper(key));
  if (it == raw_.end()) return std::nullopt;
  return it->second;
}

}  // namespace junction::irc
