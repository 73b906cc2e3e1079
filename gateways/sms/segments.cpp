#include "gateways/sms/segments.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace junction::sms {

namespace {

// The non-ASCII code points of the basic table. ASCII is handled by range below: all of
// printable ASCII is in the basic table except the backtick and the six characters of the
// extension table.
constexpr std::array<char32_t, 39> kBasicNonAscii = {
    U'£', U'¥', U'è', U'é', U'ù', U'ì', U'ò', U'Ç', U'Ø', U'ø', U'Å', U'å', U'Δ',
    U'Φ', U'Γ', U'Λ', U'Ω', U'Π', U'Ψ', U'Σ', U'Θ', U'Ξ', U'Æ', U'æ', U'ß', U'É',
    U'¤', U'¡', U'Ä', U'Ö', U'Ñ', U'Ü', U'§', U'¿', U'ä', U'ö', U'ñ', U'ü', U'à'};

constexpr std::u32string_view kExtension = U"^{}\\[~]|€\f";

char32_t next_code_point(std::string_view s, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = len == 1 ? c : c & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    unsigned char cont = byte(i + k);
    if ((cont >> 6) != 0x2) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cont & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  i += len;
  // Overlong forms, surrogates and values past U+10FFFF are not text.
  if (cp < kMin[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return 0xFFFD;
  return cp;
}

std::size_t pack(const std::vector<int>& costs, std::size_t total, std::size_t single, std::size_t part) {
  if (total == 0) return 0;
  if (total <= single) return 1;
  std::size_t segments = 1, used = 0;
  for (int cost : costs) {
    if (used + cost > part) {
      ++segments;
      used = 0;
    }
    used += cost;
  }
  return segments;
}

}  // namespace

int gsm7_septets(char32_t cp) {
  if (cp == U'\n' || cp == U'\r') return 1;
  if (kExtension.find(cp) != std::u32string_view::npos) return 2;
  if (cp >= 0x20 && cp < 0x7F) return cp == U'`' ? 0 : 1;
  return std::find(kBasicNonAscii.begin(), kBasicNonAscii.end(), cp) != kBasicNonAscii.end() ? 1 : 0;
}

SegmentInfo count_segments(std::string_view utf8) {
  std::vector<int> septets, utf16;
  bool gsm = true;
  std::size_t septet_total = 0, utf16_total = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    char32_t cp = next_code_point(utf8, i);
    int s = gsm7_septets(cp);
    if (s == 0) gsm = false;
    if (gsm) {
      septets.push_back(s);
      septet_total += s;
    }
    int u = cp >= 0x10000 ? 2 : 1;
    utf16.push_back(u);
    utf16_total += u;
  }
  if (gsm) return {Encoding::gsm7, pack(septets, septet_total, kGsm7Single, kGsm7Part), septet_total};
  return {Encoding::ucs2, pack(utf16, utf16_total, kUcs2Single, kUcs2Part), utf16_total};
}

}  // namespace junction::sms
