#pragma once
// Cutting an outgoing chat body into IRC message payloads. Each payload is safe to use as the
// final parameter of a PRIVMSG/NOTICE: no CR, LF or NUL survives, so a body can never smuggle
// a second command onto the wire.
#include "encoding.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace junction::irc {

/// Lengths of the source the server will prepend when relaying our line (":nick!user@host ").
struct SourceLengths {
  std::size_t nick = 0;
  std::size_t user = 0;
  std::size_t host = 0;
};

/// A pessimistic source for when the server has not told us our host yet: the nick length
/// limit, a '~'-prefixed ident of 10 and the longest hostname label-wise usual (63).
SourceLengths assumed_source(std::size_t nicklen);

/// Bytes left for the text in ":nick!user@host COMMAND target :text\r\n" within 512.
/// `overhead` is extra bytes the caller wraps around the text (9 for a CTCP ACTION).
/// Returns 0 when nothing fits.
std::size_t payload_limit(const SourceLengths& source, std::string_view command, std::string_view target,
                          std::size_t overhead = 0);

/// Splits a body: CR, LF and CRLF end a message, NUL bytes are removed, empty lines are
/// dropped, and each line is cut into pieces of at most `limit` bytes at code point
/// boundaries, preferring a space in the last 30 bytes (the space is consumed). Combining
/// marks, joiners and variation selectors stay with the character before them where possible.
/// A limit under 4 is raised to 4 so a single code point always fits. The limit counts the
/// bytes the piece will have on the wire in `encoding` (one per character for a legacy
/// charset); the pieces themselves stay UTF-8.
std::vector<std::string> split_message(std::string_view body, std::size_t limit,
                                       OutEncoding encoding = OutEncoding::utf8);

}  // namespace junction::irc
