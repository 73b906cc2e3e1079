// Texts longer than one SMS where the provider exposes the parts (Vonage): inbound parts are
// kept in the store until the text is whole (or a timeout says it never will be), outbound
// parts each get a delivery report and the sender's receipt waits for all of them.
// Store rows (key/value, gateway-wide):
//   cpart:<group>|<NNN>  a part waiting for its siblings (encode_part)
//   cdone:<part id>      a part already delivered in a text: a late retry of it is ignored
//   opart:<part id>      "<outbox id>|<index>|<count>" for a sent part
//   ostat:<outbox id>|<index>  the part was delivered
#include "gateways/sms/concat_parts.hpp"
#include "gateways/sms/sms_gateway.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

namespace junction::sms {
namespace {

constexpr std::string_view kPartPrefix = "cpart:", kDonePrefix = "cdone:";
constexpr std::string_view kSentPartPrefix = "opart:", kPartStatusPrefix = "ostat:";
// How long a delivered part's id is remembered against late retries of its webhook.
constexpr std::int64_t kDoneKeepMs = 2 * 24 * 3600 * 1000LL;

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string part_row(const std::string& group, int part) { return fmt::format("{}{}|{:03}", kPartPrefix, group, part); }

std::string group_of_row(std::string_view row) {
  row.remove_prefix(kPartPrefix.size());
  return std::string(row.substr(0, row.rfind('|')));
}

std::optional<std::int64_t> to_int(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

// ---- inbound ----

void SmsGateway::collect_part(const InboundSms& sms, const std::string& owner, const xmpp::Jid& contact,
                              std::function<void(Result<bool>)> done) {
  auto& kv = context_.store().kv();
  if (auto seen = kv.get(context_.name(), "", std::string(kDonePrefix) + sms.provider_id); !seen) {
    return done(std::unexpected(seen.error()));
  } else if (*seen) {
    return done(false);  // a retry of a part whose text was delivered
  }
  StoredPart part{sms.concat->part, sms.concat->total, sms.provider_id, sms.body, owner, contact.bare_str(), now_ms()};
  auto group = concat_group(sms.from, sms.to, sms.concat->ref, sms.concat->total);
  if (auto stored = kv.put(context_.name(), "", part_row(group, part.part), encode_part(part)); !stored)
    return done(std::unexpected(stored.error()));
  complete_text(group, false, std::move(done));
}

void SmsGateway::complete_text(const std::string& group, bool force, std::function<void(Result<bool>)> done) {
  auto& kv = context_.store().kv();
  auto rows = kv.list(context_.name(), "", std::string(kPartPrefix) + group + "|");
  if (!rows) return done(std::unexpected(rows.error()));
  std::vector<StoredPart> parts;
  std::vector<std::string> row_keys;
  for (const auto& [key, value] : *rows) {
    if (auto part = decode_part(value)) {
      parts.push_back(std::move(*part));
      row_keys.push_back(key);
    }
  }
  if (parts.empty()) return done(true);
  std::int64_t first_ms = parts.front().received_ms;
  for (const auto& p : parts) first_ms = std::min(first_ms, p.received_ms);
  auto text = assemble_parts(parts);
  if (!text.complete && !force) {
    arm_concat_timer(group,
                     std::chrono::milliseconds(first_ms + std::int64_t{settings_.concat_timeout} * 1000 - now_ms()));
    return done(true);  // this part is stored; the text waits for the rest
  }
  if (!text.complete)
    log::info("sms", "{}: a long text from {} is still missing parts after {} s: delivered as it is", context_.name(),
              parts.front().contact, settings_.concat_timeout);
  auto contact = xmpp::Jid::parse(parts.front().contact);
  if (!contact) return done(fail("an unusable sender in a stored message part"));
  introduce_contact(parts.front().owner, *contact);
  deliver_text(parts.front().owner, *contact, text.key, text.body, {},
               [this, group, parts, row_keys, done = std::move(done)](Result<bool> stored) {
                 if (stored) {
                   auto& kv = context_.store().kv();
                   const auto at = std::to_string(now_ms());
                   for (const auto& p : parts)
                     (void)kv.put(context_.name(), "", std::string(kDonePrefix) + p.provider_id, at);
                   for (const auto& key : row_keys) (void)kv.erase(context_.name(), "", key);
                   concat_timers_.erase(group);
                 }
                 done(std::move(stored));
               });
}

void SmsGateway::arm_concat_timer(const std::string& group, std::chrono::milliseconds delay) {
  if (concat_timers_.count(group)) return;
  auto timer = std::make_unique<asio::steady_timer>(context_.io(), std::max(delay, std::chrono::milliseconds(0)));
  timer->async_wait([this, group, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
    if (ec || alive.expired()) return;
    concat_timers_.erase(group);
    complete_text(group, true, [this, group](Result<bool> stored) {
      if (stored) return;
      // The parts stay stored: try again rather than leave them until the next restart.
      log::error("sms", "{}: an incomplete long text was not delivered, trying again in 30 s: {}", context_.name(),
                 stored.error().message);
      arm_concat_timer(group, std::chrono::seconds(30));
    });
  });
  concat_timers_[group] = std::move(timer);
}

void SmsGateway::resume_long_texts() {
  auto& kv = context_.store().kv();
  if (auto rows = kv.list(context_.name(), "", std::string(kPartPrefix))) {
    std::set<std::string> groups;
    for (const auto& [key, value] : *rows) groups.insert(group_of_row(key));
    // Whole texts (a crash between storing the last part and delivering) go out now; the
    // others wait out what is left of their timeout.
    for (const auto& group : groups) complete_text(group, false, [](Result<bool>) {});
  }
  if (auto done = kv.list(context_.name(), "", std::string(kDonePrefix))) {
    auto cutoff = now_ms() - kDoneKeepMs;
    for (const auto& [key, at] : *done)
      if (auto when = to_int(at); !when || *when < cutoff) (void)kv.erase(context_.name(), "", key);
  }
}

// ---- outbound ----

void SmsGateway::remember_parts(std::int64_t entry_id, const std::vector<std::string>& part_ids) {
  auto& kv = context_.store().kv();
  for (std::size_t i = 0; i < part_ids.size(); ++i) {
    if (part_ids[i].empty()) continue;
    remember_send(part_ids[i], entry_id);
    auto stored = kv.put(context_.name(), "", std::string(kSentPartPrefix) + part_ids[i],
                         fmt::format("{}|{}|{}", entry_id, i, part_ids.size()));
    if (!stored)
      log::error("sms", "{}: cannot record part {} of text {}: {}", context_.name(), i + 1, entry_id,
                 stored.error().message);
  }
}

std::optional<SmsGateway::SentPart> SmsGateway::sent_part(const std::string& provider_id) {
  if (provider_id.empty()) return std::nullopt;
  auto row = context_.store().kv().get(context_.name(), "", std::string(kSentPartPrefix) + provider_id);
  if (!row || !*row) return std::nullopt;
  std::string_view text = **row;
  auto a = text.find('|'), b = text.rfind('|');
  if (a == std::string_view::npos || a == b) return std::nullopt;
  auto entry = to_int(text.substr(0, a)), index = to_int(text.substr(a + 1, b - a - 1)),
       count = to_int(text.substr(b + 1));
  if (!entry || !index || !count) return std::nullopt;
  return SentPart{*entry, static_cast<int>(*index), static_cast<int>(*count)};
}

Result<bool> SmsGateway::all_parts_delivered(const SentPart& part) {
  auto& kv = context_.store().kv();
  auto prefix = fmt::format("{}{}|", kPartStatusPrefix, part.entry_id);
  if (auto stored = kv.put(context_.name(), "", prefix + std::to_string(part.index), "delivered"); !stored)
    return std::unexpected(stored.error());
  auto rows = kv.list(context_.name(), "", prefix);
  if (!rows) return std::unexpected(rows.error());
  return static_cast<int>(rows->size()) >= part.count;
}

void SmsGateway::forget_part_reports(std::int64_t entry_id) {
  auto& kv = context_.store().kv();
  if (auto rows = kv.list(context_.name(), "", fmt::format("{}{}|", kPartStatusPrefix, entry_id)))
    for (const auto& [key, value] : *rows) (void)kv.erase(context_.name(), "", key);
}

}  // namespace junction::sms
