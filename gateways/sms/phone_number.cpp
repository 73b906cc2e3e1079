#include "gateways/sms/phone_number.hpp"

#include <phonenumbers/phonenumberutil.h>
#include <phonenumbers/shortnumberinfo.h>

#include <algorithm>
#include <fmt/format.h>

namespace junction::sms {

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;
using i18n::phonenumbers::ShortNumberInfo;

PhoneNumberUtil& util() { return *PhoneNumberUtil::GetInstance(); }

const ShortNumberInfo& short_info() {
  static const ShortNumberInfo info;
  return info;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view space = " \t\r\n";
  auto b = s.find_first_not_of(space);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(space) - b + 1);
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string e164(const PhoneNumber& number) {
  std::string out;
  util().Format(number, PhoneNumberUtil::E164, &out);
  return out;
}

std::string invalid(std::string_view typed, std::string_view country) {
  return fmt::format("\"{}\" is not a valid phone number for {}", typed, country);
}

// Digits-only input short enough to be a short code. A short code the metadata knows wins;
// then a real full number of that length (some countries have them); then any plausible
// short code, but not 3 digits, where a truncated number is the likelier explanation.
Result<std::string> digits_only(std::string_view digits, const std::string& country) {
  PhoneNumber number;
  bool parsed = util().Parse(std::string(digits), country, &number) == PhoneNumberUtil::NO_PARSING_ERROR;
  if (parsed && short_info().IsValidShortNumberForRegion(number, country)) {
    if (short_info().IsEmergencyNumber(std::string(digits), country)) {
      return fail(fmt::format("{} is an emergency number: contact emergency services directly", digits));
    }
    return std::string(digits);
  }
  if (parsed && util().IsValidNumber(number)) return e164(number);
  if (parsed && digits.size() >= 4 && short_info().IsPossibleShortNumberForRegion(number, country)) {
    return std::string(digits);
  }
  return fail(invalid(digits, country));
}

}  // namespace

bool is_known_country(std::string_view country) {
  return util().GetCountryCodeForRegion(upper(country)) != 0;
}

Result<std::string> normalize_number(std::string_view typed_raw, std::string_view default_country) {
  std::string_view typed = trim(typed_raw);
  std::string country = upper(default_country);
  if (typed.empty()) return fail("an empty phone number");
  if (typed.size() > 64) return fail("a phone number of more than 64 characters");
  bool international = typed.front() == '+';
  if (!international && !is_known_country(country)) {
    return fail(fmt::format("\"{}\" has no country code and \"{}\" is not a known country", typed,
                            default_country));
  }
  if (!international && all_digits(typed) && typed.size() >= 3 && typed.size() <= 8) {
    return digits_only(typed, country);
  }

  PhoneNumber number;
  switch (util().Parse(std::string(typed), international ? "ZZ" : country, &number)) {
    case PhoneNumberUtil::NO_PARSING_ERROR: break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return fail(fmt::format("\"{}\" does not start with a known country code", typed));
    case PhoneNumberUtil::TOO_SHORT_NSN:
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
      return fail(fmt::format("\"{}\" is too short to be a phone number", typed));
    case PhoneNumberUtil::TOO_LONG_NSN:
      return fail(fmt::format("\"{}\" is too long to be a phone number", typed));
    case PhoneNumberUtil::NOT_A_NUMBER:
    default: return fail(fmt::format("\"{}\" is not a phone number", typed));
  }
  std::string where = international ? "its country" : country;
  switch (util().IsPossibleNumberWithReason(number)) {
    case PhoneNumberUtil::IS_POSSIBLE: break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE:
      return fail(fmt::format("\"{}\" does not start with a known country code", typed));
    case PhoneNumberUtil::TOO_SHORT:
      return fail(fmt::format("\"{}\" is too short for a phone number of {}", typed, where));
    case PhoneNumberUtil::TOO_LONG:
      return fail(fmt::format("\"{}\" is too long for a phone number of {}", typed, where));
    default: return fail(invalid(typed, where));
  }
  return e164(number);
}

bool is_canonical_node(std::string_view node) {
  if (!node.empty() && node.front() == '+') {
    auto digits = node.substr(1);
    return all_digits(digits) && digits.size() >= 7 && digits.size() <= 15 && digits.front() != '0';
  }
  return all_digits(node) && node.size() >= 3 && node.size() <= 8;
}

Result<std::string> number_from_node(std::string_view node, std::string_view default_country) {
  if (is_canonical_node(node)) return std::string(node);
  return normalize_number(node, default_country);
}

bool is_alphanumeric_sender(std::string_view sender) {
  return std::any_of(sender.begin(), sender.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); });
}

std::string node_from_number(std::string_view number) { return std::string(number); }

std::string display_number(std::string_view number) {
  if (number.empty() || number.front() != '+') return std::string(number);
  PhoneNumber parsed;
  if (util().Parse(std::string(number), "ZZ", &parsed) != PhoneNumberUtil::NO_PARSING_ERROR) {
    return std::string(number);
  }
  std::string out;
  util().Format(parsed, PhoneNumberUtil::INTERNATIONAL, &out);
  return out;
}

}  // namespace junction::sms
