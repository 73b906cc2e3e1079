#pragma once
// Turning raw IRC bytes into text that is both valid UTF-8 and allowed in XML 1.0, so every
// stanza built from it is well-formed whatever the network sends.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace junction::irc {

/// The legacy charset assumed, per network, for bytes that are not UTF-8.
enum class Fallback { cp1252, latin1 };

/// "cp1252"/"windows-1252" or "latin1"/"iso-8859-1" (case-insensitive) from the config.
std::optional<Fallback> parse_fallback(std::string_view name);

/// The charset of the bytes we send to a network. UTF-8 unless the network is known to
/// predate it; a legacy charset has one byte per character.
enum class OutEncoding { utf8, latin1, cp1252 };

/// "utf-8"/"utf8", or a name parse_fallback() accepts (case-insensitive) from the config.
std::optional<OutEncoding> parse_out_encoding(std::string_view name);

/// Transcodes UTF-8 text for the wire. For a legacy charset every code point it cannot
/// represent (and every byte that is not UTF-8) becomes one '?'; for UTF-8 the text is
/// returned as it is.
std::string encode_out(std::string_view utf8, OutEncoding encoding);

/// How many bytes encode_out() makes of the text, without building it.
std::size_t encoded_size(std::string_view utf8, OutEncoding encoding);

/// Decodes raw bytes: well-formed UTF-8 sequences pass through and each byte that is not part
/// of one is decoded with the fallback charset (so a line mixing a UTF-8 nick and latin-1
/// text still reads right). Control bytes are kept: mIRC formatting and CTCP's \x01 are
/// still there for formatting.hpp and ctcp.hpp to read.
std::string decode(std::string_view raw, Fallback fallback = Fallback::cp1252);

/// decode() followed by xml_safe(): text ready for a stanza, with formatting codes gone.
std::string to_utf8(std::string_view raw, Fallback fallback = Fallback::cp1252);

/// True when the bytes are well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// Length of the well-formed UTF-8 sequence at the start of s, or 0 when there is none.
std::size_t utf8_sequence_length(std::string_view s);

/// Makes valid UTF-8 acceptable to XML 1.0: C0 controls other than TAB, LF and CR are
/// removed (on IRC they are formatting leftovers, not text) and U+FFFE/U+FFFF become U+FFFD.
std::string xml_safe(std::string_view utf8);

/// Appends the UTF-8 encoding of a code point.
void append_utf8(std::string& out, char32_t cp);

}  // namespace junction::irc
