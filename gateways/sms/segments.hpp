#pragma once
// How many SMS a text costs: GSM 03.38 / 3GPP TS 23.038 7-bit default alphabet when every
// character is in it (extension-table characters cost two septets), else UCS-2.
// Pure functions, thread-safe.
#include <cstddef>
#include <string_view>

namespace junction::sms {

enum class Encoding { gsm7, ucs2 };

struct SegmentInfo {
  Encoding encoding = Encoding::gsm7;
  std::size_t segments = 0;  // 0 for an empty text
  std::size_t units = 0;     // septets for GSM-7, UTF-16 code units for UCS-2
};

// Limits per segment: a single message, and each part of a concatenated one (the user data
// header takes 6 octets: 7 septets or 3 UTF-16 units).
inline constexpr std::size_t kGsm7Single = 160, kGsm7Part = 153;
inline constexpr std::size_t kUcs2Single = 70, kUcs2Part = 67;

// Septets for one code point in the GSM-7 alphabet: 1 (basic table), 2 (escape + extension
// table), or 0 when the alphabet lacks it.
int gsm7_septets(char32_t code_point);

// `utf8` is UTF-8; a malformed byte counts as U+FFFD, which forces UCS-2.
// Parts never split an escape sequence or a surrogate pair, as handsets and SMSCs don't.
SegmentInfo count_segments(std::string_view utf8);

}  // namespace junction::sms
