#include "html_text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <utility>

namespace junction::email {
namespace {

struct Entity {
  std::string_view name;
  std::string_view utf8;
};
constexpr Entity kEntities[] = {
    {"amp", "&"},       {"lt", "<"},        {"gt", ">"},        {"quot", "\""},     {"apos", "'"},
    {"nbsp", " "},      {"copy", "©"},      {"reg", "®"},       {"trade", "™"},     {"hellip", "…"},
    {"mdash", "—"},     {"ndash", "–"},     {"lsquo", "‘"},     {"rsquo", "’"},     {"ldquo", "“"},
    {"rdquo", "”"},     {"laquo", "«"},     {"raquo", "»"},     {"euro", "€"},      {"pound", "£"},
    {"bull", "•"},      {"middot", "·"},    {"eacute", "é"},    {"egrave", "è"},    {"agrave", "à"},
    {"auml", "ä"},      {"ouml", "ö"},      {"uuml", "ü"},      {"Auml", "Ä"},      {"Ouml", "Ö"},
    {"Uuml", "Ü"},      {"szlig", "ß"},     {"ccedil", "ç"},    {"deg", "°"},       {"times", "×"},
    {"zwnj", ""},       {"shy", ""},
};

void append_code_point(std::string& out, unsigned long cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Builds the text: collapses white space outside <pre>, never emits more than one blank
// line in a row, and starts each line with the current blockquote prefix.
class TextOut {
 public:
  void text(std::string_view s, bool pre) {
    for (char c : s) {
      if (pre) {
        if (c == '\n') {
          newline();
        } else if (c != '\r') {
          put(c);
        }
      } else if (is_space(c)) {
        pending_space_ = true;
      } else {
        put(c);
      }
    }
  }
  void newline() {
    trim_trailing_spaces();
    out_.push_back('\n');
    at_line_start_ = true;
    pending_space_ = false;
  }
  // Ensures the output ends with `count` line breaks (1: new line, 2: paragraph break).
  void breaks(int count) {
    if (out_.empty()) return;
    int have = 0;
    for (auto it = out_.rbegin(); it != out_.rend() && *it == '\n' && have < count; ++it) ++have;
    if (!at_line_start_) {
      newline();
      have = 1;
    }
    while (have++ < count) newline();
  }
  void quote_depth(int depth) { depth_ = depth; }
  std::string finish() {
    trim_trailing_spaces();
    while (!out_.empty() && out_.back() == '\n') out_.pop_back();
    return std::move(out_);
  }

 private:
  void put(char c) {
    if (at_line_start_) {
      for (int i = 0; i < depth_; ++i) out_.append("> ");
      at_line_start_ = false;
    } else if (pending_space_) {
      out_.push_back(' ');
    }
    pending_space_ = false;
    out_.push_back(c);
  }
  void trim_trailing_spaces() {
    while (!out_.empty() && out_.back() == ' ') out_.pop_back();
  }

  std::string out_;
  bool at_line_start_ = true;
  bool pending_space_ = false;
  int depth_ = 0;
};

struct Tag {
  std::string name;  // lower case, without '/'
  bool closing = false;
  std::string_view attributes;
};

std::optional<std::string> attribute(std::string_view attrs, std::string_view wanted) {
  std::size_t i = 0;
  while (i < attrs.size()) {
    while (i < attrs.size() && (is_space(attrs[i]) || attrs[i] == '/')) ++i;
    std::size_t name_start = i;
    while (i < attrs.size() && !is_space(attrs[i]) && attrs[i] != '=' && attrs[i] != '/') ++i;
    std::string name = lower(attrs.substr(name_start, i - name_start));
    while (i < attrs.size() && is_space(attrs[i])) ++i;
    std::string value;
    if (i < attrs.size() && attrs[i] == '=') {
      ++i;
      while (i < attrs.size() && is_space(attrs[i])) ++i;
      if (i < attrs.size() && (attrs[i] == '"' || attrs[i] == '\'')) {
        char q = attrs[i++];
        std::size_t end = attrs.find(q, i);
        if (end == std::string_view::npos) end = attrs.size();
        value = attrs.substr(i, end - i);
        i = end + 1;
      } else {
        std::size_t start = i;
        while (i < attrs.size() && !is_space(attrs[i])) ++i;
        value = attrs.substr(start, i - start);
      }
    }
    if (name == wanted) return decode_html_entities(value);
    if (name.empty() && i == name_start) ++i;
  }
  return std::nullopt;
}

// Position after "</name...>" (case-insensitive), or the end of the input.
std::size_t find_end_tag(std::string_view html, std::size_t from, std::string_view name) {
  // Scans without copying: hostile mail may hold thousands of <style> blocks.
  for (std::size_t at = html.find("</", from); at != std::string_view::npos; at = html.find("</", at + 2)) {
    std::string_view candidate = html.substr(at + 2, name.size());
    if (candidate.size() == name.size() && lower(candidate) == name) {
      std::size_t close = html.find('>', at);
      return close == std::string_view::npos ? html.size() : close + 1;
    }
  }
  return html.size();
}

bool one_of(const std::string& name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::string decode_html_entities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::size_t semi = text[i] == '&' ? text.find(';', i) : std::string_view::npos;
    if (semi == std::string_view::npos || semi - i > 10) {
      out.push_back(text[i]);
      continue;
    }
    std::string_view ref = text.substr(i + 1, semi - i - 1);
    bool done = false;
    if (ref.size() > 1 && ref[0] == '#') {
      bool hex = ref[1] == 'x' || ref[1] == 'X';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      unsigned long cp = 0;
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (ec == std::errc() && p == digits.data() + digits.size() && !digits.empty()) {
        append_code_point(out, cp == 0xA0 ? 0x20 : cp);
        done = true;
      }
    } else {
      for (const auto& e : kEntities) {
        if (e.name == ref) {
          out.append(e.utf8);
          done = true;
          break;
        }
      }
    }
    if (done) {
      i = semi;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string html_to_text(std::string_view html) {
  TextOut out;
  int quote_depth = 0;
  int pre_depth = 0;
  std::optional<std::string> link;  // href of the open <a>
  std::string link_text;

  auto emit_text = [&](std::string_view raw) {
    std::string decoded = decode_html_entities(raw);
    if (link) link_text += decoded;
    out.text(decoded, pre_depth > 0);
  };

  std::size_t i = 0;
  while (i < html.size()) {
    if (html[i] != '<') {
      std::size_t next = html.find('<', i);
      if (next == std::string_view::npos) next = html.size();
      emit_text(html.substr(i, next - i));
      i = next;
      continue;
    }
    if (html.substr(i, 4) == "<!--") {
      std::size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    std::size_t end = html.find('>', i);
    if (end == std::string_view::npos) break;
    std::string_view inner = html.substr(i + 1, end - i - 1);
    i = end + 1;
    if (inner.empty() || inner[0] == '!' || inner[0] == '?') continue;
    Tag tag;
    if (inner[0] == '/') {
      tag.closing = true;
      inner.remove_prefix(1);
    }
    std::size_t name_end = 0;
    while (name_end < inner.size() && !is_space(inner[name_end]) && inner[name_end] != '/') ++name_end;
    tag.name = lower(inner.substr(0, name_end));
    tag.attributes = inner.substr(name_end);

    const std::string& n = tag.name;
    if (!tag.closing && one_of(n, {"script", "style", "head", "title"})) {
      // Raw text up to the matching end tag; a '<' inside a script is not a tag.
      i = find_end_tag(html, i, n);
    } else if (n == "br") {
      out.newline();
    } else if (one_of(n, {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"})) {
      out.breaks(2);
    } else if (n == "blockquote") {
      out.breaks(1);
      quote_depth = std::max(0, quote_depth + (tag.closing ? -1 : 1));
      out.quote_depth(quote_depth);
    } else if (n == "pre") {
      out.breaks(1);
      pre_depth = std::max(0, pre_depth + (tag.closing ? -1 : 1));
    } else if (n == "li") {
      out.breaks(1);
      if (!tag.closing) out.text("- ", true);
    } else if (one_of(n, {"div", "tr", "dt", "dd", "hr", "section", "article", "header", "footer"})) {
      out.breaks(1);
    } else if (one_of(n, {"td", "th"}) && !tag.closing) {
      out.text(" ", false);
    } else if (n == "img" && !tag.closing) {
      if (auto alt = attribute(tag.attributes, "alt"); alt && !alt->empty()) out.text("[" + *alt + "]", false);
    } else if (n == "a") {
      if (!tag.closing) {
        link = attribute(tag.attributes, "href");
        link_text.clear();
      } else if (link) {
        std::string url = *link;
        link.reset();
        std::string shown = link_text;
        shown.erase(0, shown.find_first_not_of(" \t\r\n"));
        shown.erase(shown.find_last_not_of(" \t\r\n") + 1);
        bool internal = url.empty() || url[0] == '#' || lower(url).starts_with("javascript:");
        bool same = shown == url || "mailto:" + shown == url || shown.empty();
        if (!internal && !same) out.text(" <" + url + ">", false);
        if (!internal && shown.empty()) out.text(url, false);
      }
    }
  }
  return out.finish();
}

}  // namespace junction::email
