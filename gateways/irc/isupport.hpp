#pragma once
// What the server told us about itself in RPL_ISUPPORT (005): nick prefixes, channel types and
// modes, length limits, targets per command, and how names compare. Every field has the
// RFC 1459-era default so the rest of the gateway never has to ask "was it sent?".
#include "irc_message.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace junction::irc {

/// How the server compares names (CASEMAPPING). rfc7613 is the PRECIS mapping of modern
/// servers: ASCII letters as in `ascii`, and Unicode letters folded too.
enum class CaseMapping { ascii, rfc1459, strict_rfc1459, rfc7613 };

/// Unicode case folding with compatibility normalization (NFKC), for rfc7613 comparisons:
/// "ÉCOLE" and "école", "ＡＢＣ" and "abc" fold alike. Text that is not UTF-8 is only
/// ASCII-lowercased.
std::string unicode_casefold(std::string_view utf8);

class ISupport {
 public:
  /// Reads the tokens of one 005 line (the first parameter is our nick, the last the
  /// "are supported by this server" text). Servers send several; call this for each.
  void apply(const IrcMessage& rpl_isupport);
  /// One token: "KEY", "KEY=value" (with \xHH escapes) or "-KEY" to restore the default.
  void apply_token(std::string_view token);

  /// Lowercases a nick or channel name the way this server does.
  std::string casefold(std::string_view name) const;
  /// Whether two nicks or channel names denote the same one on this server.
  bool same_name(std::string_view a, std::string_view b) const;
  /// True when the name starts with one of CHANTYPES.
  bool is_channel(std::string_view name) const;

  /// Splits "@+nick" (several with multi-prefix) into its status symbols and the nick.
  std::pair<std::string, std::string_view> split_status(std::string_view name_with_prefixes) const;
  /// The channel mode letter for a status symbol ('@' -> 'o'), if it is one.
  std::optional<char> mode_for_symbol(char symbol) const;
  /// The status symbol for a mode letter ('o' -> '@'), if it is one.
  std::optional<char> symbol_for_mode(char mode) const;

  /// Most targets one command takes (TARGMAX); nullopt means no limit, 1 when not advertised.
  std::optional<std::size_t> max_targets(std::string_view command) const;

  /// The raw value of any token seen (for features this class doesn't model).
  std::optional<std::string> raw(std::string_view key) const;

  CaseMapping casemapping = CaseMapping::rfc1459;
  std::string prefix_modes = "ov";
  std::string prefix_symbols = "@+";
  std::string chantypes = "#&";
  /// CHANMODES groups A (lists), B (always a parameter), C (parameter when set), D (none).
  std::string chanmodes_a = "b";
  std::string chanmodes_b = "k";
  std::string chanmodes_c = "l";
  std::string chanmodes_d = "imnpst";
  std::size_t nicklen = 9;
  std::size_t channellen = 200;

 private:
  void reset_token(std::string_view key);
  void set_token(std::string_view key, std::string_view value);

  std::map<std::string, std::optional<std::size_t>, std::less<>> targmax_;
  std::map<std::string, std::string, std::less<>> raw_;
};

}  // namespace junction::irc
