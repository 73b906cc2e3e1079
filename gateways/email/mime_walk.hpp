#pragma once
// The MIME tree walk behind parse_mail: picks the body text, collects attachments, reads a
// delivery report. Internal to the email gateway.
#include "gmime_util.hpp"
#include "mail_parser.hpp"

namespace junction::email {

/// Fills text, text_from_html, text_truncated, attachments and dsn of `mail`.
void extract_body(GMimeObject* root, const ParseOptions& options, ParsedMail& mail);

}  // namespace junction::email
