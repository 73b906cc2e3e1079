#pragma once
// mIRC formatting codes <-> XEP-0393 message styling. IRC marks style with control bytes that
// toggle state; XEP-0393 marks it with properly nested plain-text directives. Anything without
// an equivalent (colours, underline, reverse) is dropped, so the result holds no control bytes.
#include <string>
#include <string_view>

namespace junction::irc {

/// Removes every mIRC formatting code (bold, italic, underline, strikethrough, monospace,
/// reverse, reset, and \x03/\x04 colours with their arguments).
std::string strip_formatting(std::string_view irc);

/// Maps bold, italic, strikethrough and monospace to *x*, _x_, ~x~ and `x`, nesting spans so
/// directives sit against non-space text as XEP-0393 requires; other codes are removed.
std::string irc_to_styling(std::string_view irc);

/// The reverse mapping, for networks where the operator enables it: XEP-0393 spans become
/// mIRC toggles; text that is not a valid span (e.g. "2 * 3 * 4") stays as typed. Lines inside
/// ``` preformatted blocks are left alone.
std::string styling_to_irc(std::string_view styled);

}  // namespace junction::irc
