#include "gateways/irc/channel.hpp"

#include <charconv>

namespace junction::irc {

MucPrivilege privilege_for(std::string_view prefixes, bool moderated) {
  // Highest symbol wins; multi-prefix lists them highest first, but don't rely on it.
  auto has = [&](char c) { return prefixes.find(c) != std::string_view::npos; };
  if (has('~')) return {"owner", "moderator"};
  if (has('&')) return {"admin", "moderator"};
  if (has('@')) return {"admin", "moderator"};
  if (has('%')) return {"member", "moderator"};
  if (has('+')) return {"member", "participant"};
  return {"none", moderated ? "visitor" : "participant"};
}

void ChannelModes::set(char mode, bool on) {
  auto at = flags.find(mode);
  if (on && at == std::string::npos) flags += mode;
  if (!on && at != std::string::npos) flags.erase(at, 1);
}

std::vector<StatusChange> apply_modes(const ISupport& isupport, ChannelModes& modes, std::string_view change,
                                      const std::vector<std::string>& params) {
  std::vector<StatusChange> out;
  std::size_t next = 0;
  auto take = [&]() -> std::optional<std::string> {
    if (next >= params.size()) return std::nullopt;
    return params[next++];
  };
  auto in = [](const std::string& group, char mode) { return group.find(mode) != std::string::npos; };
  bool adding = true;
  for (char mode : change) {
    if (mode == '+' || mode == '-') {
      adding = mode == '+';
      continue;
    }
    if (auto symbol = isupport.symbol_for_mode(mode)) {
      if (auto nick = take()) out.push_back({*nick, *symbol, adding});
    } else if (in(isupport.chanmodes_a, mode)) {
      take();  // a list entry (+b mask): not kept
    } else if (in(isupport.chanmodes_b, mode)) {
      // Always a parameter; "-k" carries the old key (or "*").
      auto value = take();
      modes.set(mode, adding);
      if (mode == 'k') modes.key = adding ? value.value_or("") : std::string();
    } else if (in(isupport.chanmodes_c, mode)) {
      std::optional<std::string> value;
      if (adding) value = take();
      modes.set(mode, adding);
      if (mode == 'l') {
        modes.limit.reset();
        if (adding && value) {
          unsigned n = 0;
          auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
          if (ec == std::errc() && end == value->data() + value->size()) modes.limit = n;
        }
      }
    } else {
      modes.set(mode, adding);
    }
  }
  return out;
}

std::string Channel::sorted_prefixes(const ISupport& isupport, std::string prefixes) {
  std::string out;
  for (char symbol : isupport.prefix_symbols)
    if (prefixes.find(symbol) != std::string::npos) out += symbol;
  return out;
}

bool Channel::ByFoldedNick::operator()(std::string_view a, std::string_view b) const {
  if (mapping == CaseMapping::rfc7613) return unicode_casefold(a) < unicode_casefold(b);
  auto fold = [this](char c) -> unsigned char {
    if (c >= 'A' && c <= 'Z') return static_cast<unsigned char>(c - 'A' + 'a');
    if (mapping != CaseMapping::ascii) {
      if (c == '[') return '{';
      if (c == ']') return '}';
      if (c == '\\') return '|';
      if (c == '~' && mapping == CaseMapping::rfc1459) return '^';
    }
    return static_cast<unsigned char>(c);
  };
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [&](char x, char y) { return fold(x) < fold(y); });
}

void Channel::follow(const ISupport& isupport) {
  if (members_.key_comp().mapping == isupport.casemapping) return;
  std::set<Member, ByFoldedNick> refiled(ByFoldedNick{isupport.casemapping});
  while (!members_.empty()) refiled.insert(std::move(members_.extract(members_.begin()).value()));
  members_.swap(refiled);
}

const Member& Channel::add_from_names(const ISupport& isupport, std::string_view entry) {
  auto [symbols, nick] = isupport.split_status(entry);
  const Member& m = add(isupport, nick);
  m.prefixes = sorted_prefixes(isupport, symbols);
  return m;
}

const Member& Channel::add(const ISupport& isupport, std::string_view nick) {
  follow(isupport);
  auto it = members_.find(nick);
  if (it != members_.end() && it->nick == nick) return *it;
  // New, or the same member under another spelling: keep the spelling the server used last.
  Member m;
  if (it != members_.end()) m = std::move(members_.extract(it).value());
  m.nick = std::string(nick);
  return *members_.insert(std::move(m)).first;
}

std::optional<Member> Channel::remove(const ISupport& isupport, std::string_view nick) {
  follow(isupport);
  auto it = members_.find(nick);
  if (it == members_.end()) return std::nullopt;
  return std::move(members_.extract(it).value());
}

bool Channel::rename(const ISupport& isupport, std::string_view old_nick, std::string_view new_nick) {
  auto m = remove(isupport, old_nick);
  if (!m) return false;
  m->nick = std::string(new_nick);
  if (auto stale = members_.find(new_nick); stale != members_.end()) members_.erase(stale);  // gives way
  members_.insert(std::move(*m));
  return true;
}

bool Channel::set_status(const ISupport& isupport, std::string_view nick, char symbol, bool on) {
  Member* m = find(isupport, nick);
  if (!m) return false;
  std::string symbols(m->prefixes.view());
  auto at = symbols.find(symbol);
  if (on && at == std::string::npos) symbols += symbol;
  if (!on && at != std::string::npos) symbols.erase(at, 1);
  m->prefixes = sorted_prefixes(isupport, symbols);
  return true;
}

Member* Channel::find(const ISupport& isupport, std::string_view nick) {
  follow(isupport);
  auto it = members_.find(nick);
  // Set elements are const for the sake of the ordering; only the nick orders them, and
  // callers change the status and away state, never the nick.
  return it == members_.end() ? nullptr : const_cast<Member*>(&*it);
}

}  // namespace junction::irc
