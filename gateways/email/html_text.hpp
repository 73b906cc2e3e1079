#pragma once
// Readable plain text from an HTML mail body, for mails that carry no text/plain part. Not
// a renderer: tags are dropped, block elements become line breaks, links keep their target
// as "text <url>", blockquotes become "> " lines (so reply trimming works on them), and
// script/style/head content is skipped.
#include <string>
#include <string_view>

namespace junction::email {

/// Input and output are UTF-8.
std::string html_to_text(std::string_view html);

/// Decodes numeric references and the common named entities; others are left as written.
std::string decode_html_entities(std::string_view text);

}  // namespace junction::email
