#pragma once
// UTF-8 checks shared by the address, header and body code. Mail is full of mislabelled bytes,
// so text that leaves a parser is always made valid before it reaches an XMPP stanza.
#include <string>
#include <string_view>

namespace junction::email {

bool is_valid_utf8(std::string_view text);

/// Copies text, replacing each byte that is not part of a well-formed UTF-8 sequence (and
/// overlong forms, surrogates) with U+FFFD.
std::string to_valid_utf8(std::string_view text);

/// Length of the UTF-8 sequence starting at text[i], or 0 when it is malformed there.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

}  // namespace junction::email
