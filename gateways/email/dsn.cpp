#include "dsn.hpp"

#include "header_fields.hpp"

#include <algorithm>
#include <cctype>

namespace junction::email {
namespace {

// "rfc822; bob@example.com" -> "bob@example.com" (RFC 3464 2.3.2: type ";" value).
std::string strip_type(std::string_view value) {
  std::size_t semi = value.find(';');
  std::string_view rest = semi == std::string_view::npos ? value : value.substr(semi + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return std::string(rest);
}

std::string lower_first_word(std::string_view value) {
  std::string word(value.substr(0, value.find_first_of(" \t(")));
  std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return word;
}

std::string bare_address(std::string value) {
  if (value.size() >= 2 && value.front() == '<' && value.back() == '>') value = value.substr(1, value.size() - 2);
  return value;
}

}  // namespace

const DsnRecipient* DeliveryReport::first_failed() const {
  for (const auto& r : recipients) {
    if (r.action == "failed") return &r;
  }
  return nullptr;
}

DeliveryReport parse_delivery_status(std::string_view text) {
  DeliveryReport report;
  auto groups = parse_field_groups(text);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const auto& fields = groups[g];
    // The first group is per-message; per-recipient groups are those naming a recipient.
    if (g == 0) {
      if (auto mta = find_field(fields, "Reporting-MTA")) report.reporting_mta = strip_type(*mta);
    }
    auto final_rcpt = find_field(fields, "Final-Recipient");
    auto original_rcpt = find_field(fields, "Original-Recipient");
    if (!final_rcpt && !original_rcpt) continue;
    DsnRecipient r;
    r.recipient = bare_address(strip_type(final_rcpt ? *final_rcpt : *original_rcpt));
    if (auto action = find_field(fields, "Action")) r.action = lower_first_word(*action);
    if (auto status = find_field(fields, "Status")) r.status = lower_first_word(*status);
    if (auto diag = find_field(fields, "Diagnostic-Code")) r.diagnostic = strip_type(*diag);
    report.recipients.push_back(std::move(r));
  }
  return report;
}

std::string message_id_from_headers(std::string_view headers) {
  auto groups = parse_field_groups(headers);
  if (groups.empty()) return {};
  auto id = find_field(groups.front(), "Message-ID");
  if (!id) return {};
  std::size_t open = id->find('<');
  std::size_t close = id->find('>', open);
  if (open == std::string::npos || close == std::string::npos) return {};
  return id->substr(open, close - open + 1);
}

}  // namespace junction::email
