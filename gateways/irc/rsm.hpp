#pragma once
// XEP-0059 result set management over an in-memory, ordered list: reading the request's
// <set/>, choosing the window it asks for, and writing the <set/> of the answer. Items are
// named by an opaque UID the caller maps to a position.
#include "xmpp/element.hpp"

#include <cstddef>
#include "util/result.hpp"
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace junction::irc {

struct RsmRequest {
  std::optional<std::size_t> max;
  std::optional<std::string> after;
  /// Present and empty: the last page.
  std::optional<std::string> before;
  std::optional<std::size_t> index;
};

struct RsmError {
  std::string condition;  ///< bad-request | item-not-found
  std::string text;
};

/// The request's <set xmlns=rsm/> (nullopt without one); malformed numbers are bad-request.
std::expected<std::optional<RsmRequest>, RsmError> parse_rsm(const xmpp::Element& query);

/// Items [begin, end) of a list of `count`.
struct RsmWindow {
  std::size_t begin = 0;
  std::size_t end = 0;
};

/// The window a request selects. `max` is capped at `max_page`; without one the page is
/// `default_page` long. `position_of` maps a UID to its position (nullopt: unknown, answered
/// item-not-found as XEP-0059 asks).
std::expected<RsmWindow, RsmError> rsm_window(const RsmRequest& request, std::size_t count, std::size_t default_page,
                                              std::size_t max_page,
                                              const std::function<std::optional<std::size_t>(std::string_view)>& position_of);

/// <set xmlns=rsm><first index=...>..</first><last>..</last><count>..</count></set>; only
/// <count/> when the window is empty.
xmpp::Element rsm_set(const RsmWindow& window, std::size_t count, const std::string& first_uid,
                      const std::string& last_uid);

}  // namespace junction::irc
