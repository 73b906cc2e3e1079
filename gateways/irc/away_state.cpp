#include "gateways/irc/away_state.hpp"

#include <tuple>

namespace junction::irc {
namespace {

constexpr int rank_available = 3;

int rank_of(const std::string& show) {
  if (show == "chat") return 4;
  if (show == "away") return 2;
  if (show == "xa") return 1;
  if (show == "dnd") return 0;
  return rank_available;  // no show, or one we do not know
}

}  // namespace

void AwayState::update(const std::string& resource, const std::string& show, const std::string& status, int priority) {
  Resource r;
  r.rank = rank_of(show);
  r.priority = priority;
  r.seq = ++next_seq_;
  // IRC needs a text to be away at all.
  if (r.rank < rank_available) r.text = !status.empty() ? status : show == "dnd" ? "Busy" : "Away";
  resources_[resource] = std::move(r);
}

void AwayState::remove(const std::string& resource) { resources_.erase(resource); }

std::string AwayState::away_text() const {
  const Resource* best = nullptr;
  for (const auto& [name, r] : resources_)
    if (!best || std::tie(r.rank, r.priority, r.seq) > std::tie(best->rank, best->priority, best->seq)) best = &r;
  return best ? best->text : std::string();
}

}  // namespace junction::irc
