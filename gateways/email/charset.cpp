#include "charset.hpp"

#include "gmime_util.hpp"
#include "utf8.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace junction::email {
namespace {

// windows-1252 0x80..0x9F; the five undefined bytes map to their C1 code points, as WHATWG does.
constexpr std::array<char16_t, 32> kCp1252High = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_one_of(const std::string& name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::string windows1252_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 4);
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 && c < 0xA0) {
      append_utf8(out, kCp1252High[c - 0x80]);
    } else {
      append_utf8(out, c);
    }
  }
  return out;
}

std::string to_utf8(std::string_view bytes, std::string_view charset) {
  std::string name = lower(charset);
  if (name.empty() || is_one_of(name, {"us-ascii", "ascii", "unknown-8bit", "x-unknown", "default"})) {
    return is_valid_utf8(bytes) ? std::string(bytes) : windows1252_to_utf8(bytes);
  }
  if (is_one_of(name, {"utf-8", "utf8", "x-utf-8"})) return to_valid_utf8(bytes);
  if (is_one_of(name, {"iso-8859-1", "iso8859-1", "latin1", "l1", "windows-1252", "cp1252", "x-cp1252",
                       "iso_8859-1", "iso-ir-100", "cp819", "ibm819"})) {
    return windows1252_to_utf8(bytes);
  }
  ensure_gmime();
  const char* iconv_name = g_mime_charset_iconv_name(name.c_str());
  gsize written = 0;
  GError* error = nullptr;
  gchar* converted = g_convert_with_fallback(bytes.data(), static_cast<gssize>(bytes.size()), "UTF-8", iconv_name,
                                             "\xEF\xBF\xBD", nullptr, &written, &error);
  if (!converted) {
    // Unknown to iconv, or input it cannot even partly convert: guess as for a missing label.
    if (error) g_error_free(error);
    return is_valid_utf8(bytes) ? std::string(bytes) : windows1252_to_utf8(bytes);
  }
  std::string out = to_valid_utf8(std::string_view(converted, written));
  g_free(converted);
  return out;
}

}  // namespace junction::email
