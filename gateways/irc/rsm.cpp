#include "gateways/irc/rsm.hpp"

#include "xmpp/namespaces.hpp"

#include <algorithm>
#include <charconv>

namespace junction::irc {
namespace {

std::optional<std::size_t> parse_count(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  std::size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::expected<std::optional<RsmRequest>, RsmError> parse_rsm(const xmpp::Element& query) {
  const auto* set = query.child("set", xmpp::ns::rsm);
  if (!set) return std::optional<RsmRequest>{};
  RsmRequest request;
  if (const auto* max = set->child("max", xmpp::ns::rsm)) {
    request.max = parse_count(max->text());
    if (!request.max) return std::unexpected(RsmError{"bad-request", "RSM <max/> is not a number"});
  }
  if (const auto* index = set->child("index", xmpp::ns::rsm)) {
    request.index = parse_count(index->text());
    if (!request.index) return std::unexpected(RsmError{"bad-request", "RSM <index/> is not a number"});
  }
  if (const auto* after = set->child("after", xmpp::ns::rsm)) request.after = after->text();
  if (const auto* before = set->child("before", xmpp::ns::rsm)) request.before = before->text();
  return std::optional<RsmRequest>{std::move(request)};
}

std::expected<RsmWindow, RsmError> rsm_window(
    const RsmRequest& request, std::size_t count, std::size_t default_page, std::size_t max_page,
    const std::function<std::optional<std::size_t>(std::string_view)>& position_of) {
  const std::size_t page = std::min(request.max.value_or(default_page), max_page);
  auto locate = [&](const std::string& uid) -> std::expected<std::size_t, RsmError> {
    auto at = position_of(uid);
    if (!at || *at >= count) return std::unexpected(RsmError{"item-not-found", "no item \"" + uid + "\" in this list"});
    return *at;
  };
  RsmWindow w;
  if (request.before) {
    // Paging backwards: the `page` items just before the UID, or the last page.
    std::size_t end = count;
    if (!request.before->empty()) {
      auto at = locate(*request.before);
      if (!at) return std::unexpected(at.error());
      end = *at;
    }
    w.begin = end > page ? end - page : 0;
    w.end = end;
    return w;
  }
  std::size_t begin = 0;
  if (request.after && !request.after->empty()) {
    auto at = locate(*request.after);
    if (!at) return std::unexpected(at.error());
    begin = *at + 1;
  } else if (request.index) {
    begin = std::min(*request.index, count);
  }
  w.begin = begin;
  w.end = begin + std::min(page, count - begin);
  return w;
}

xmpp::Element rsm_set(const RsmWindow& window, std::size_t count, const std::string& first_uid,
                      const std::string& last_uid) {
  xmpp::Element set("set", std::string(xmpp::ns::rsm));
  if (window.end > window.begin) {
    auto& first = set.add_child("first");
    first.set_attr("index", std::to_string(window.begin));
    first.set_text(first_uid);
    set.add_child("last").set_text(last_uid);
  }
  set.add_child("count").set_text(std::to_string(count));
  return set;
}

}  // namespace junction::irc
