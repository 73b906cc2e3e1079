#include "formatting.hpp"

#include <array>
#include <vector>

namespace junction::irc {
namespace {

constexpr char bold = '\x02';
constexpr char italic = '\x1D';
constexpr char underline = '\x1F';
constexpr char strike = '\x1E';
constexpr char mono = '\x11';
constexpr char colour = '\x03';
constexpr char hex_colour = '\x04';
constexpr char reverse = '\x16';
constexpr char reset = '\x0F';

// Bit per XEP-0393 style, in nesting order: monospace last because nothing is parsed inside a
// preformatted span, so it must be innermost.
enum Style : unsigned { s_bold = 1, s_italic = 2, s_strike = 4, s_mono = 8 };
constexpr std::array<std::pair<Style, char>, 4> directives{
    {{s_bold, '*'}, {s_italic, '_'}, {s_strike, '~'}, {s_mono, '`'}}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Length of the argument following a colour code at text[i], e.g. "4,12" or "FF0000".
std::size_t colour_argument(std::string_view text, std::size_t i, bool hex) {
  auto is_arg = hex ? is_hex : is_digit;
  std::size_t max = hex ? 6 : 2;
  std::size_t n = 0;
  while (n < max && i + n < text.size() && is_arg(text[i + n])) ++n;
  if (hex && n != 6) return 0;
  if (n == 0) return 0;
  if (i + n + 1 < text.size() && text[i + n] == ',' && is_arg(text[i + n + 1])) {
    std::size_t m = 0;
    while (m < max && i + n + 1 + m < text.size() && is_arg(text[i + n + 1 + m])) ++m;
    if (!hex || m == 6) n += 1 + m;
  }
  return n;
}

// Walks IRC text, calling on_char(c, style bits) for each visible byte.
template <class F>
void walk(std::string_view text, F&& on_char) {
  unsigned styles = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    switch (c) {
      case bold: styles ^= s_bold; break;
      case italic: styles ^= s_italic; break;
      case strike: styles ^= s_strike; break;
      case mono: styles ^= s_mono; break;
      case underline:
      case reverse: break;
      case reset: styles = 0; break;
      case colour: i += colour_argument(text, i + 1, false); break;
      case hex_colour: i += colour_argument(text, i + 1, true); break;
      default: on_char(c, styles);
    }
  }
}

class StyledWriter {
 public:
  void put(char c, unsigned styles) {
    // Whitespace is held back so a closing directive can be placed before it and an opening
    // one after it: XEP-0393 directives must touch non-space text.
    if (is_space(c)) {
      pending_ += c;
      return;
    }
    std::vector<Style> target;
    for (auto [style, mark] : directives)
      if (styles & style) target.push_back(style);
    std::size_t keep = 0;
    while (keep < open_.size() && keep < target.size() && open_[keep] == target[keep]) ++keep;
    while (open_.size() > keep) close_top();
    out_ += pending_;
    pending_.clear();
    for (std::size_t k = keep; k < target.size(); ++k) {
      out_ += mark(target[k]);
      open_.push_back(target[k]);
    }
    out_ += c;
  }

  std::string finish() {
    while (!open_.empty()) close_top();
    out_ += pending_;
    return std::move(out_);
  }

 private:
  static char mark(Style s) {
    for (auto [style, m] : directives)
      if (style == s) return m;
    return '?';
  }
  void close_top() {
    out_ += mark(open_.back());
    open_.pop_back();
  }

  std::string out_;
  std::string pending_;
  std::vector<Style> open_;
};

char irc_code_for(char directive) {
  switch (directive) {
    case '*': return bold;
    case '_': return italic;
    case '~': return strike;
    case '`': return mono;
    default: return 0;
  }
}

void style_line(std::string_view line, std::string& out) {
  std::size_t i = 0;
  while (i < line.size()) {
    char c = line[i];
    char code = irc_code_for(c);
    bool can_open = code != 0 && i + 1 < line.size() && !is_space(line[i + 1]) &&
                    (i == 0 || is_space(line[i - 1]) || irc_code_for(line[i - 1]) != 0);
    if (can_open) {
      std::size_t close = std::string_view::npos;
      for (std::size_t j = i + 2; j < line.size(); ++j) {
        if (line[j] == c && !is_space(line[j - 1])) {
          close = j;
          break;
        }
      }
      if (close != std::string_view::npos) {
        std::string_view inner = line.substr(i + 1, close - i - 1);
        out += code;
        if (c == '`') out.append(inner);
        else style_line(inner, out);
        out += code;
        i = close + 1;
        continue;
      }
    }
    out += c;
    ++i;
  }
}

}  // namespace

std::string strip_formatting(std::string_view irc) {
  std::string out;
  out.reserve(irc.size());
  walk(irc, [&](char c, unsigned) { out += c; });
  return out;
}

std::string irc_to_styling(std::string_view irc) {
  StyledWriter writer;
  walk(irc, [&](char c, unsigned styles) { writer.put(c, styles); });
  return writer.finish();
}

std::string styling_to_irc(std::string_view styled) {
  std::string out;
  bool in_block = false;
  std::size_t start = 0;
  while (start <= styled.size()) {
    std::size_t end = styled.find('\n', start);
    std::string_view line = styled.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (line.substr(0, 3) == "```") {
      in_block = !in_block;
      out.append(line);
    } else if (in_block) {
      out.append(line);
    } else {
      style_line(line, out);
    }
    if (end == std::string_view::npos) break;
    out += '\n';
    start = end + 1;
  }
  return out;
}

}  // namespace junction::irc
