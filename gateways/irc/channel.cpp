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

const Member& Channel::add_from_names(const ISupport& isupport, std::string_view entry) {
  auto [symbols, nick] = isupport.split_status(entry);
  Member& m = members_[isupport.casefold(nick)];
  m.nick = std::string(nick);
  m.prefixes = sorted_prefixes(isupport, symbols);
  return m;
}

const Member& Channel::add(const ISupport& isupport, std::string_view nick) {
  Member& m = members_[isupport.casefold(nick)];
  m.nick = std::string(nick);
  return m;
}

std::optional<Member> Channel::remove(const ISupport& isupport, std::string_view nick) {
  auto it = members_.find(isupport.casefold(nick));
  if (it == members_.end()) return std::nullopt;
  Member m = std::move(it->second);
  members_.erase(it);
  return m;
}

bool Channel::rename(const ISupport& isupport, std::string_view old_nick, std::string_view new_nick) {
  auto m = remove(isupport, old_nick);
  if (!m) return false;
  m->nick = std::string(new_nick);
  members_[isupport.casefold(new_nick)] = std::move(*m);
  return true;
}

bool Channel::set_status(const ISupport& isupport, std::string_view nick, char symbol, bool on) {
  Member* m = find(isupport, nick);
  if (!m) return false;
  std::string symbols = m->prefixes;
  auto at = symbols.find(symbol);
  if (on && at == std::string::npos) symbols += symbol;
  if (!on && at != std::string::npos) symbols.erase(at, 1);
  m->prefixes = sorted_prefixes(isupport, symbols);
  return true;
}

Member* Channel::find(const ISupport& isupport, std::string_view nick) {
  auto it = members_.find(isupport.casefold(nick));
  return it == members_.end() ? nullptr : &it->second;
}

}  // namespace junction::irc
