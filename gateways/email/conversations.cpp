#include "conversations.hpp"

#include "random_token.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace junction::email {
namespace {

constexpr std::size_t kMaxThreadIds = 20;   // as many References as a mail carries
constexpr std::size_t kMaxThreadLength = 200;

std::string lower_ascii(std::string text) {
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

// Thread ids come from clients: keep them printable and short, since they become keys.
std::string clean_thread(std::string_view thread) {
  std::string out;
  for (char c : thread) {
    if (out.size() >= kMaxThreadLength) break;
    if (static_cast<unsigned char>(c) > 0x20 && c != 0x7f) out.push_back(c);
  }
  return out;
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    if (!line.empty()) out.emplace_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

}  // namespace

std::string derived_thread_id(std::string_view root_message_id) {
  // FNV-1a: stable across builds and runs, unlike std::hash.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : root_message_id) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return fmt::format("m{:016x}", h);
}

std::string new_thread_id() { return "x" + random_hex(8); }

std::string encode_sent(const SentRecord& r) { return r.user + "\n" + r.contact + "\n" + r.thread + "\n" + r.stanza_id; }

std::optional<SentRecord> decode_sent(std::string_view text) {
  SentRecord r;
  std::string* fields[] = {&r.user, &r.contact, &r.thread};
  for (std::string* field : fields) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;
    *field = std::string(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  r.stanza_id = std::string(text);
  if (r.user.empty() || r.contact.empty()) return std::nullopt;
  return r;
}

Result<std::vector<std::string>> Conversations::thread_ids(const std::string& user, const std::string& thread) {
  auto value = kv_.get(gateway_, user, "thread:" + thread);
  if (!value) return std::unexpected(value.error());
  return *value ? split_lines(**value) : std::vector<std::string>{};
}

Result<void> Conversations::append_to_thread(const std::string& user, const std::string& thread,
                                             const std::string& message_id) {
  auto ids = thread_ids(user, thread);
  if (!ids) return std::unexpected(ids.error());
  if (std::find(ids->begin(), ids->end(), message_id) == ids->end()) {
    ids->push_back(message_id);
    // Keep the root: RFC 5322 3.6.4 lets a long References drop the middle, not the start.
    if (ids->size() > kMaxThreadIds) ids->erase(ids->begin() + 1);
    if (auto put = kv_.put(gateway_, user, "thread:" + thread, join_lines(*ids)); !put) return put;
  }
  return kv_.put(gateway_, user, "msgid:" + message_id, thread);
}

Result<OutboundThread> Conversations::outbound(const std::string& user, const MailAddress& contact,
                                               std::string_view stanza_thread, const std::string& message_id) {
  OutboundThread out;
  out.thread = clean_thread(stanza_thread);
  const std::string conv_key = "conv:" + contact.key();
  if (out.thread.empty()) {
    auto latest = kv_.get(gateway_, user, conv_key);
    if (!latest) return std::unexpected(latest.error());
    out.thread = *latest ? **latest : new_thread_id();
  }
  auto ids = thread_ids(user, out.thread);
  if (!ids) return std::unexpected(ids.error());
  if (!ids->empty()) {
    out.in_reply_to = ids->back();
    out.references = *ids;
  }
  if (auto added = append_to_thread(user, out.thread, message_id); !added) return std::unexpected(added.error());
  if (auto put = kv_.put(gateway_, user, conv_key, out.thread); !put) return std::unexpected(put.error());
  return out;
}

Result<std::string> Conversations::inbound(const std::string& user, const MailAddress& contact,
                                           const ParsedMail& mail) {
  std::vector<std::string> parents;
  if (!mail.in_reply_to.empty()) parents.push_back(mail.in_reply_to);
  parents.insert(parents.end(), mail.references.rbegin(), mail.references.rend());
  std::string thread;
  for (const auto& parent : parents) {
    auto known = kv_.get(gateway_, user, "msgid:" + parent);
    if (!known) return std::unexpected(known.error());
    if (*known) {
      thread = **known;
      break;
    }
  }
  if (thread.empty()) {
    std::string root = !mail.references.empty() ? mail.references.front()
                       : !mail.in_reply_to.empty() ? mail.in_reply_to
                                                   : mail.message_id;
    thread = root.empty() ? new_thread_id() : derived_thread_id(root);
  }
  if (!mail.message_id.empty())
    if (auto added = append_to_thread(user, thread, mail.message_id); !added) return std::unexpected(added.error());
  if (auto put = kv_.put(gateway_, user, "conv:" + contact.key(), thread); !put) return std::unexpected(put.error());
  return thread;
}

Result<void> Conversations::remember_sent(const std::string& message_id, const SentRecord& record) {
  return kv_.put(gateway_, "", "sent:" + message_id, encode_sent(record));
}

Result<std::optional<SentRecord>> Conversations::find_sent(const std::string& message_id) {
  auto value = kv_.get(gateway_, "", "sent:" + message_id);
  if (!value) return std::unexpected(value.error());
  if (!*value) return std::optional<SentRecord>{};
  return decode_sent(**value);
}

Result<void> Conversations::remember_case(const MailAddress& address) {
  const std::string key = "case:" + lower_ascii(address.str());
  if (address.str() == lower_ascii(address.str())) return {};  // nothing worth remembering
  return kv_.put(gateway_, "", key, address.str());
}

MailAddress Conversations::original_case(const MailAddress& address) {
  auto value = kv_.get(gateway_, "", "case:" + lower_ascii(address.str()));
  if (!value || !*value) return address;
  auto parsed = parse_address(**value);
  return parsed && lower_ascii(parsed->str()) == lower_ascii(address.str()) ? *parsed : address;
}

Result<void> Conversations::mark_known(const std::string& user) { return kv_.put(gateway_, user, "known", "1"); }

Result<bool> Conversations::known(const std::string& user) {
  auto value = kv_.get(gateway_, user, "known");
  if (!value) return std::unexpected(value.error());
  return value->has_value();
}

Result<void> Conversations::grant(const std::string& user, const MailAddress& address) {
  if (auto put = kv_.put(gateway_, user, "grant:" + address.key(), address.str()); !put) return put;
  return kv_.put(gateway_, "", "owner:" + address.key(), user);
}

Result<bool> Conversations::revoke(const std::string& user, const MailAddress& address) {
  auto owner_now = owner(address);
  if (!owner_now) return std::unexpected(owner_now.error());
  if (!*owner_now || **owner_now != user) return false;
  (void)kv_.erase(gateway_, user, "grant:" + address.key());
  return kv_.erase(gateway_, "", "owner:" + address.key());
}

Result<std::optional<std::string>> Conversations::owner(const MailAddress& address) {
  return kv_.get(gateway_, "", "owner:" + address.key());
}

Result<std::vector<std::string>> Conversations::granted(const std::string& user) {
  auto rows = kv_.list(gateway_, user, "grant:");
  if (!rows) return std::unexpected(rows.error());
  std::vector<std::string> out;
  for (const auto& [key, value] : *rows) out.push_back(value);
  return out;
}

}  // namespace junction::email
