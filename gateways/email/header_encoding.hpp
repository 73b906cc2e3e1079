#pragma once
// Writing RFC 5322 header fields safely: every value passes through sanitize_header_text, so
// no caller can smuggle CR/LF into a field and start a new one (header injection); non-ASCII
// text becomes RFC 2047 encoded-words; lines are folded to 78 columns where there is room and
// never exceed 998.
#include <string>
#include <string_view>
#include <vector>

namespace junction::email {

/// Replaces CR, LF, NUL and every other control character with a space, collapses runs of
/// white space, trims both ends and repairs invalid UTF-8.
std::string sanitize_header_text(std::string_view text);

/// Encoded-words (=?UTF-8?B?...?=) of at most 75 characters each, never splitting a UTF-8
/// sequence. Input must already be sanitized.
std::vector<std::string> encode_words(std::string_view utf8);

/// A display name as an RFC 5322 phrase: plain atoms, a quoted-string, or encoded-words.
/// Returns the tokens between which folding is allowed. Empty for an empty name.
std::vector<std::string> phrase_tokens(std::string_view display_name);

/// "Name: value\r\n" for unstructured text (Subject): folded at spaces, or encoded-words
/// when the text is not printable ASCII or cannot be folded within the limits.
std::string unstructured_field(std::string_view name, std::string_view value);

/// "Name: t1 t2 ...\r\n", folding between tokens so lines stay within 78 columns when the
/// tokens allow it. Tokens must not contain CR or LF.
std::string fold_field(std::string_view name, const std::vector<std::string>& tokens);

}  // namespace junction::email
