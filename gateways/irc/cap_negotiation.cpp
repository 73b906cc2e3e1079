#include "cap_negotiation.hpp"

#include "sasl.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <utility>

namespace junction::irc {
namespace {

constexpr std::size_t max_req_text = 400;

// CAP lists are space-separated; some servers leave a trailing space.
std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t end = s.find(' ', pos);
    if (end == std::string_view::npos) end = s.size();
    if (end > pos) out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

bool list_contains(std::string_view comma_list, std::string_view item) {
  std::size_t pos = 0;
  while (pos <= comma_list.size()) {
    std::size_t end = comma_list.find(',', pos);
    if (end == std::string_view::npos) end = comma_list.size();
    if (comma_list.substr(pos, end - pos) == item) return true;
    pos = end + 1;
  }
  return false;
}

}  // namespace

CapNegotiator::CapNegotiator(CapConfig config, Sink send)
    : config_(std::move(config)),
      send_(std::move(send)),
      sasl_outcome_(config_.sasl ? SaslOutcome::in_progress : SaslOutcome::not_attempted) {}

void CapNegotiator::start() { send_(make_message("CAP", {"LS", "302"})); }

std::optional<std::string> CapNegotiator::offered_value(std::string_view cap) const {
  auto it = offered_.find(cap);
  if (it == offered_.end()) return std::nullopt;
  return it->second;
}

bool CapNegotiator::use_nickserv_fallback() const {
  if (!config_.sasl || config_.sasl->mechanism != SaslCredentials::Mechanism::plain) return false;
  if (config_.sasl->password.empty()) return false;
  return sasl_outcome_ == SaslOutcome::failed || sasl_outcome_ == SaslOutcome::unavailable;
}

std::string CapNegotiator::mechanism_name() const {
  return config_.sasl && config_.sasl->mechanism == SaslCredentials::Mechanism::external ? "EXTERNAL" : "PLAIN";
}

bool CapNegotiator::sasl_possible() const {
  if (!config_.sasl) return false;
  auto value = offered_value("sasl");
  if (!value) return false;
  // A bare "sasl" (CAP 301 style) lists no mechanisms: try ours and let 904/908 tell.
  return value->empty() || list_contains(*value, mechanism_name());
}

bool CapNegotiator::handle(const IrcMessage& msg) {
  const std::string& cmd = msg.command;
  if (cmd == "CAP") {
    on_cap(msg);
    return true;
  }
  if (cmd == "AUTHENTICATE") {
    on_authenticate(msg);
    return true;
  }
  if (cmd == "001") {
    // Welcome before CAP END: the server ignored CAP entirely.
    if (!finished_) {
      log::debug("irc", "server registered us without CAP negotiation");
      finished_ = true;
      if (sasl_outcome_ == SaslOutcome::in_progress) sasl_outcome_ = SaslOutcome::unavailable;
    }
    return false;
  }
  if (cmd == "421" && msg.param(1) == "CAP") {
    if (!finished_) {
      finished_ = true;
      if (sasl_outcome_ == SaslOutcome::in_progress) sasl_outcome_ = SaslOutcome::unavailable;
    }
    return true;
  }
  if (cmd == "410") {  // ERR_INVALIDCAPCMD
    if (!finished_) end();
    return true;
  }
  if (cmd == "900") {
    account_ = msg.param(2);
    return true;
  }
  if (cmd == "901") {
    account_.clear();
    return true;
  }
  if (cmd == "903" || cmd == "907") {
    if (authenticating_) sasl_done(SaslOutcome::succeeded);
    return true;
  }
  if (cmd == "902" || cmd == "904" || cmd == "905" || cmd == "906") {
    log::info("irc", "SASL {} failed: {}", mechanism_name(), msg.params.empty() ? "" : msg.params.back());
    if (authenticating_) sasl_done(SaslOutcome::failed);
    return true;
  }
  if (cmd == "908") {  // RPL_SASLMECHS: the list the server would have accepted; 904 follows
    offered_["sasl"] = msg.param(1);
    return true;
  }
  return false;
}

void CapNegotiator::on_cap(const IrcMessage& msg) {
  // :server CAP <nick> <subcommand> [*] :<caps>
  std::string sub = msg.param(1);
  for (char& c : sub)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  bool more = msg.params.size() >= 4 && msg.params[2] == "*";
  std::string_view caps = msg.params.size() >= 3 ? std::string_view(msg.params.back()) : std::string_view();
  if (sub == "LS") {
    on_ls(caps, more);
  } else if (sub == "ACK") {
    on_ack(caps);
  } else if (sub == "NAK") {
    if (pending_requests_ > 0 && --pending_requests_ == 0) requests_settled();
  } else if (sub == "NEW") {
    on_new(caps);
  } else if (sub == "DEL") {
    for (std::string_view cap : words(caps)) {
      offered_.erase(std::string(cap));
      enabled_.erase(std::string(cap));
    }
  }
}

void CapNegotiator::on_ls(std::string_view caps, bool more) {
  for (std::string_view item : words(caps)) {
    std::size_t eq = item.find('=');
    offered_[std::string(item.substr(0, eq))] = eq == std::string_view::npos ? "" : std::string(item.substr(eq + 1));
  }
  if (more || listing_done_ || finished_) return;
  listing_done_ = true;
  std::vector<std::string> wanted;
  for (const std::string& cap : config_.wanted) {
    if (!offered_.count(cap)) continue;
    if (cap == "sasl" && !sasl_possible()) continue;
    wanted.push_back(cap);
  }
  if (config_.sasl && !sasl_possible()) sasl_outcome_ = SaslOutcome::unavailable;
  if (wanted.empty()) {
    end();
    return;
  }
  request(wanted);
}

void CapNegotiator::request(const std::vector<std::string>& caps) {
  // A server ACKs or NAKs each REQ line as a whole, so a long list is cut into lines that each
  // stand on their own.
  std::string line;
  auto flush = [&] {
    if (line.empty()) return;
    send_(make_message("CAP", {"REQ", line}));
    ++pending_requests_;
    line.clear();
  };
  for (const std::string& cap : caps) {
    if (!line.empty() && line.size() + 1 + cap.size() > max_req_text) flush();
    if (!line.empty()) line += ' ';
    line += cap;
  }
  flush();
}

void CapNegotiator::on_ack(std::string_view caps) {
  for (std::string_view cap : words(caps)) {
    if (cap.front() == '-') {
      enabled_.erase(std::string(cap.substr(1)));
      continue;
    }
    // "~" and "=" are CAP 3.1-era modifiers some servers still send.
    while (!cap.empty() && (cap.front() == '~' || cap.front() == '=')) cap.remove_prefix(1);
    if (!cap.empty()) enabled_.insert(std::string(cap));
  }
  if (pending_requests_ > 0 && --pending_requests_ == 0) requests_settled();
}

void CapNegotiator::on_new(std::string_view caps) {
  std::vector<std::string> wanted;
  for (std::string_view item : words(caps)) {
    std::size_t eq = item.find('=');
    std::string name(item.substr(0, eq));
    offered_[name] = eq == std::string_view::npos ? "" : std::string(item.substr(eq + 1));
    bool want = std::find(config_.wanted.begin(), config_.wanted.end(), name) != config_.wanted.end();
    if (!want || enabled_.count(name)) continue;
    if (name == "sasl") {
      // Services that were down at connect time announce sasl once back: log in then, unless
      // already logged in or busy trying.
      if (!sasl_possible() || authenticating_ || sasl_outcome_ == SaslOutcome::succeeded) continue;
      late_sasl_ = true;
    }
    wanted.push_back(name);
  }
  if (!wanted.empty()) request(wanted);
}

void CapNegotiator::requests_settled() {
  if (authenticating_) return;
  const bool late_sasl = std::exchange(late_sasl_, false);
  if (finished_) {
    // After registration only a sasl offered by CAP NEW has anything left to do.
    if (late_sasl && enabled("sasl")) start_sasl();
    return;
  }
  if (config_.sasl && (sasl_outcome_ == SaslOutcome::in_progress || late_sasl)) {
    if (enabled("sasl")) return start_sasl();
    sasl_outcome_ = SaslOutcome::unavailable;
  }
  end();
}

void CapNegotiator::start_sasl() {
  authenticating_ = true;
  sasl_outcome_ = SaslOutcome::in_progress;
  send_(make_message("AUTHENTICATE", {mechanism_name()}));
}

void CapNegotiator::on_authenticate(const IrcMessage& msg) {
  if (!authenticating_ || !config_.sasl) return;
  // PLAIN and EXTERNAL both start from an empty server challenge and send one response.
  if (msg.param(0) != "+") return;
  const SaslCredentials& creds = *config_.sasl;
  std::string payload = creds.mechanism == SaslCredentials::Mechanism::plain
                            ? base64_encode(sasl_plain_message(creds.authzid, creds.authcid, creds.password))
                            : base64_encode(creds.authzid);
  for (std::string& chunk : authenticate_chunks(payload)) send_(make_message("AUTHENTICATE", {std::move(chunk)}));
}

void CapNegotiator::sasl_done(SaslOutcome outcome) {
  authenticating_ = false;
  sasl_outcome_ = outcome;
  end();
}

void CapNegotiator::abort() {
  if (finished_) return;
  if (authenticating_) {
    send_(make_message("AUTHENTICATE", {"*"}));
    authenticating_ = false;
    sasl_outcome_ = SaslOutcome::failed;
  } else if (sasl_outcome_ == SaslOutcome::in_progress) {
    sasl_outcome_ = SaslOutcome::unavailable;
  }
  end();
}

void CapNegotiator::end() {
  if (finished_) return;
  finished_ = true;
  send_(make_message("CAP", {"END"}));
}

}  // namespace junction::irc
