#include "smtp_command.hpp"

#include "header_fields.hpp"

#include <cctype>

namespace junction::email {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string_view skip_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

}  // namespace

SmtpCommand split_command(std::string_view line) {
  std::size_t space = line.find(' ');
  SmtpCommand cmd;
  cmd.verb = upper(line.substr(0, space));
  if (space != std::string_view::npos) cmd.argument = skip_spaces(line.substr(space + 1));
  return cmd;
}

Result<PathArgument> parse_path_argument(std::string_view argument, std::string_view keyword) {
  if (argument.size() <= keyword.size() || !iequals(argument.substr(0, keyword.size()), keyword) ||
      argument[keyword.size()] != ':') {
    return fail("expected " + std::string(keyword) + ":<address>");
  }
  std::string_view rest = skip_spaces(argument.substr(keyword.size() + 1));
  PathArgument out;
  std::string_view path;
  if (!rest.empty() && rest.front() == '<') {
    std::size_t close = rest.find('>');
    if (close == std::string_view::npos) return fail("unterminated <address>");
    path = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
  } else {
    std::size_t end = rest.find(' ');
    path = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  }
  if (!path.empty() && path.front() == '@') {
    std::size_t colon = path.find(':');
    if (colon == std::string_view::npos) return fail("malformed source route");
    path = path.substr(colon + 1);
  }
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '<' || c == '>') return fail("forbidden character in address");
  }
  out.address = std::string(path);

  if (!rest.empty() && rest.front() != ' ') return fail("garbage after address");
  rest = skip_spaces(rest);
  while (!rest.empty()) {
    std::size_t end = rest.find(' ');
    std::string_view param = rest.substr(0, end);
    std::size_t eq = param.find('=');
    std::string key = upper(param.substr(0, eq));
    if (key.empty()) return fail("empty parameter");
    out.parameters.emplace_back(key, eq == std::string_view::npos ? std::string() : std::string(param.substr(eq + 1)));
    rest = end == std::string_view::npos ? std::string_view{} : skip_spaces(rest.substr(end));
  }
  return out;
}

}  // namespace junction::email
