#pragma once
// Who owns which number. Three sources, in this order of precedence: the operator's
// [gateways.NAME.numbers] map, numbers an admin assigned at run time (kept in the store's
// key/value rows), and numbers users registered with their own provider account
// (self-service). A number has at most one owner; a user may own several.
// Everything is cached in memory (inbound webhooks look owners up at full rate); writes go to
// the store first. Loop thread only.
#include "store/repositories.hpp"
#include "util/result.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace junction::sms {

enum class NumberSource { config, assigned, own_account };
std::string_view source_name(NumberSource source);

struct OwnedNumber {
  std::string number;  // normalized
  std::string owner;   // bare JID
  NumberSource source = NumberSource::config;
};

class NumberDirectory {
 public:
  NumberDirectory(std::string gateway, store::Store& store);

  // Reads assignments and self-service registrations from the store.
  Result<void> load();
  // The config map (at start and on SIGHUP).
  void set_config_numbers(std::map<std::string, std::string> numbers) { config_ = std::move(numbers); }

  std::optional<OwnedNumber> owner_of(const std::string& number) const;
  // The number a user's texts come from: their own account's first, else the first they own.
  std::optional<OwnedNumber> number_of(const std::string& user) const;
  std::vector<OwnedNumber> all() const;

  // Admin assignment; fails when someone else owns the number already.
  Result<void> assign(const std::string& number, const std::string& user);
  // Releases an assignment (config numbers can only be removed from the config). False when
  // the number was not assigned.
  Result<bool> release(const std::string& number);

  // Self-service registrations (the registration row is the store record).
  void set_own(const std::string& user, const std::string& number);
  void clear_own(const std::string& user);

 private:
  std::string gateway_;
  store::Store& store_;
  std::map<std::string, std::string> config_, assigned_, own_;  // number -> owner
};

}  // namespace junction::sms
