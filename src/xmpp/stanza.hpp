#pragma once
// Stanza helpers shared by the session, the core and the gateways: error replies (RFC 6120
// section 8.3), iq results, stream errors and the component stream header (XEP-0114), and
// text checks for bytes that come from legacy networks.
#include "xmpp/element.hpp"
#include "xmpp/namespaces.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace junction::xmpp {

// True if `text` is valid UTF-8 made only of characters XML 1.0 allows (tab, LF, CR,
// U+0020..U+D7FF, U+E000..U+FFFD, U+10000..U+10FFFF). The serialiser writes text as it is
// given; a gateway checks or sanitises legacy input before it goes into a stanza, since one
// bad byte makes the server close the whole stream with not-well-formed.
bool is_valid_xml_text(std::string_view text);
// Replaces each ill-formed UTF-8 sequence (maximal subpart, as Unicode recommends) and each
// character XML 1.0 forbids with U+FFFD. Valid input comes back unchanged.
std::string sanitize_xml_text(std::string_view text);

// The error reply to `stanza`: same element name and namespace, from/to swapped, id and
// xml:lang kept, type="error", and an <error/> with `type` (cancel | continue | modify |
// auth | wait; empty = default_error_type(condition)), a `by` naming the original recipient,
// the defined condition and an optional <text/>. Replies to message and iq carry the
// original payload so the sender can tell what failed; presence errors don't.
// RFC 6120 forbids answering an error with an error: check error_of(stanza) first.
Element make_error_reply(const Element& stanza, std::string_view type, std::string_view condition,
                         std::string_view text = {});

// <iq type="result"/> answering `iq`: from/to swapped, id kept, no payload.
Element make_iq_result(const Element& iq);

// <stream:error> with an RFC 6120 section 4.9.3 condition and optional text. Serialised, it
// declares the streams namespace as its default rather than using the stream: prefix, which
// namespace-aware servers treat alike.
Element make_stream_error(std::string_view condition, std::string_view text = {});

// The component's stream open (XEP-0114): XML declaration and <stream:stream> to the
// server, naming the component's domain in `to`. Left open; close with stream_footer.
std::string stream_header(std::string_view to_domain);
inline constexpr std::string_view stream_footer = "</stream:stream>";

// For a stanza of type "error": its error type and defined condition (the first child of
// <error/> in the stanza errors namespace; "undefined-condition" if there is none).
// nullopt for anything else.
std::optional<std::pair<std::string, std::string>> error_of(const Element& stanza);
// The <text/> of a stanza's error, or empty.
std::string error_text(const Element& stanza);

// The error type RFC 6120 section 8.3.3 gives for a defined condition; "cancel" for
// conditions it does not know.
std::string default_error_type(std::string_view condition);

}  // namespace junction::xmpp
