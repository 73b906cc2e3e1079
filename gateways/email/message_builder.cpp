#include "message_builder.hpp"

#include "header_encoding.hpp"
#include "quoted_printable.hpp"
#include "utf8.hpp"

#include <fmt/format.h>

#include <ctime>
#include <random>

namespace junction::email {
namespace {

constexpr std::size_t kMaxIdLeft = 64;
constexpr std::size_t kMaxMessageId = 250;
constexpr std::size_t kMaxReferences = 20;  // long threads: keep the root and the newest

std::vector<std::string> address_tokens(std::string_view name, const MailAddress& address) {
  std::vector<std::string> tokens = phrase_tokens(name);
  tokens.push_back("<" + address.str() + ">");
  return tokens;
}

bool id_char(char c) {
  // dot-atom text minus characters that confuse naive thread parsers (<, >, quotes, '\').
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
}

}  // namespace

std::string normalize_message_id(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.size() >= 2 && text.front() == '<' && text.back() == '>') text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() + 2 > kMaxMessageId) return {};
  std::size_t at = text.rfind('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == text.size()) return {};
  for (char c : text) {
    if (c != '@' && !id_char(c)) return {};
  }
  if (text.find('@') != at) return {};
  return "<" + std::string(text) + ">";
}

std::string make_message_id(std::string_view stanza_id, std::string_view domain, std::uint64_t nonce) {
  std::string left;
  for (char c : stanza_id) {
    if (left.size() >= kMaxIdLeft) break;
    if (id_char(c) && c != '=' && c != '.') {
      left.push_back(c);
    } else {
      left += fmt::format("={:02X}", static_cast<unsigned char>(c));
    }
  }
  if (left.empty()) left = "junction";
  std::string right;
  for (char c : domain) {
    if (id_char(c)) right.push_back(c);
  }
  if (right.empty()) right = "localhost";
  return fmt::format("<{}.{:016x}@{}>", left, nonce, right);
}

std::string make_message_id(std::string_view stanza_id, std::string_view domain) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return make_message_id(stanza_id, domain, rng());
}

std::string format_date(std::chrono::system_clock::time_point when) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon],
                     tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

Result<std::string> build_message(const OutgoingMail& mail) {
  std::string message_id = normalize_message_id(mail.message_id);
  if (message_id.empty()) return fail("the outgoing mail has no valid Message-ID");
  // The addresses were validated when parsed, but the struct is open: check again, since
  // an address is written into the header unencoded.
  for (const MailAddress* a : {&mail.from, &mail.to}) {
    if (!parse_address(a->str())) return fail(fmt::format("invalid address in outgoing mail: {}", sanitize_header_text(a->str())));
  }

  std::string out;
  out += "Date: " + format_date(mail.date) + "\r\n";
  out += fold_field("From", address_tokens(mail.from_name, mail.from));
  out += fold_field("To", address_tokens(mail.to_name, mail.to));
  std::string subject = sanitize_header_text(mail.subject);
  if (subject.empty()) subject = sanitize_header_text(mail.default_subject);
  if (!subject.empty()) out += unstructured_field("Subject", subject);
  out += "Message-ID: " + message_id + "\r\n";

  if (std::string parent = normalize_message_id(mail.in_reply_to); !parent.empty()) {
    out += "In-Reply-To: " + parent + "\r\n";
  }
  std::vector<std::string> refs;
  for (const auto& r : mail.references) {
    if (std::string id = normalize_message_id(r); !id.empty()) refs.push_back(std::move(id));
  }
  if (refs.size() > kMaxReferences) {
    // RFC 5322 3.6.4 lets a long References be trimmed; the first id names the thread root.
    refs.erase(refs.begin() + 1, refs.end() - static_cast<std::ptrdiff_t>(kMaxReferences - 1));
  }
  if (!refs.empty()) out += fold_field("References", refs);

  if (mail.auto_generated) out += "Auto-Submitted: auto-generated\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";

  std::string body = normalize_line_endings(to_valid_utf8(mail.body));
  // Keep short lines as they are: chat text reads best unencoded in every mail client.
  if (fits_7bit(body, 78)) {
    out += "Content-Transfer-Encoding: 7bit\r\n";
  } else {
    out += "Content-Transfer-Encoding: quoted-printable\r\n";
    body = encode_quoted_printable(body);
  }
  out += "User-Agent: Junction\r\n";
  out += "X-Mailer: Junction\r\n";
  out += "\r\n";
  out += body;
  if (body.size() < 2 || body.compare(body.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  return out;
}

}  // namespace junction::email
