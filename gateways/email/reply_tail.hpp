#pragma once
// Mail replies drag the whole conversation along: an attribution line ("On ..., Bob wrote:"),
// the quoted original and a signature. In a chat window only the new text is useful, so the
// gateway can trim that tail; inline replies (quotes interleaved with answers) keep their
// inner quotes, since those give the answers their context.
#include <optional>
#include <string>
#include <string_view>

namespace junction::email {

enum class QuotedTail { keep, trim };

/// "keep" | "trim"; anything else is nullopt.
std::optional<QuotedTail> parse_quoted_tail(std::string_view setting);

/// With trim: drops the signature ("-- " line and what follows), a trailing block of '>'
/// lines with the attribution line above it, and an Outlook "-----Original Message-----"
/// tail. A body that would become empty is returned unchanged. Lines end in '\n' on output.
std::string trim_reply_tail(std::string_view body, QuotedTail mode);

/// True for lines like "On Mon, 1 Jan 2024, Bob <bob@example.com> wrote:" and their
/// common translations.
bool is_attribution_line(std::string_view line);

}  // namespace junction::email
