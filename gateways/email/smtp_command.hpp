#pragma once
// Parsing of SMTP/LMTP command lines (RFC 5321 4.1): the verb, and the reverse- or
// forward-path with its ESMTP parameters for MAIL and RCPT.
#include "util/result.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace junction::email {

struct SmtpCommand {
  std::string verb;  // upper case
  std::string_view argument;  // the rest of the line, leading spaces removed
};

SmtpCommand split_command(std::string_view line);

struct PathArgument {
  std::string address;  // empty for the null reverse-path "<>"
  std::vector<std::pair<std::string, std::string>> parameters;  // keyword upper case
};

/// Parses "FROM:<a@b> SIZE=10" (keyword "FROM") or "TO:<a@b>" (keyword "TO"). Tolerates a
/// space after the colon and a missing pair of angle brackets, as Postfix does; drops an
/// obsolete source route ("<@relay:a@b>").
Result<PathArgument> parse_path_argument(std::string_view argument, std::string_view keyword);

}  // namespace junction::email
