#pragma once
// Charset conversion of mail text to UTF-8. Labels lie: "iso-8859-1" text routinely holds
// windows-1252 quotes and euro signs, "us-ascii" text holds UTF-8, so the conversion follows
// what browsers do (WHATWG Encoding) rather than the letter of the label.
#include <string>
#include <string_view>

namespace junction::email {

/// Always returns valid UTF-8. Unknown or missing charsets: UTF-8 when the bytes are valid
/// UTF-8, else windows-1252. Bytes a converter rejects become U+FFFD.
std::string to_utf8(std::string_view bytes, std::string_view charset);

/// windows-1252 (a superset of ISO-8859-1's printable range) to UTF-8.
std::string windows1252_to_utf8(std::string_view bytes);

}  // namespace junction::email
