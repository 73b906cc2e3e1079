#pragma once
// A small reader for blocks of "Name: value" fields: message/delivery-status bodies (RFC 3464)
// and text/rfc822-headers parts, which GMime hands over as plain text.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace junction::email {

struct HeaderField {
  std::string name;
  std::string value;  // unfolded, trimmed
};
using FieldGroup = std::vector<HeaderField>;

/// Splits text into groups separated by blank lines; continuation lines are unfolded.
/// Lines that are not fields are skipped. Accepts CRLF or LF.
std::vector<FieldGroup> parse_field_groups(std::string_view text);

/// The value of the first field named `name` (case-insensitive).
std::optional<std::string> find_field(const FieldGroup& fields, std::string_view name);

/// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);

}  // namespace junction::email
