#include "header_fields.hpp"

namespace junction::email {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::vector<FieldGroup> parse_field_groups(std::string_view text) {
  std::vector<FieldGroup> groups(1);
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = eol + 1;
    if (trim(line).empty()) {
      if (!groups.back().empty()) groups.emplace_back();
      continue;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !groups.back().empty()) {
      std::string& value = groups.back().back().value;
      if (!value.empty()) value.push_back(' ');
      value += trim(line);
      continue;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    groups.back().push_back({std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
  }
  if (groups.back().empty()) groups.pop_back();
  return groups;
}

std::optional<std::string> find_field(const FieldGroup& fields, std::string_view name) {
  for (const auto& f : fields) {
    if (iequals(f.name, name)) return f.value;
  }
  return std::nullopt;
}

}  // namespace junction::email
