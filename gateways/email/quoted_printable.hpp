#pragma once
// Body encodings for outgoing mail (RFC 2045).
#include <string>
#include <string_view>

namespace junction::email {

/// Makes every line break CRLF (CRLF, bare LF and bare CR alike) and drops NUL bytes, which
/// no mail transport carries reliably.
std::string normalize_line_endings(std::string_view text);

/// Quoted-printable for text whose line breaks are CRLF: hard breaks stay CRLF, lines are kept
/// to 76 characters with soft breaks, and a leading '.' or "From " is encoded so neither a
/// careless SMTP client nor an mbox writer can alter the line.
std::string encode_quoted_printable(std::string_view crlf_text);

/// True when the text can travel as 7bit: ASCII without controls (but TAB), lines of at most
/// max_line characters.
bool fits_7bit(std::string_view crlf_text, std::size_t max_line);

}  // namespace junction::email
