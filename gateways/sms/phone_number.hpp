#pragma once
// Phone numbers as users type them, as providers send them, and as JID nodes
// ("+15551234567@sms.example.org", short codes as "12345@sms.example.org").
// Backed by libphonenumber's metadata. Thread-safe.
#include "util/result.hpp"

#include <string>
#include <string_view>

namespace junction::sms {

// True when `country` is a region libphonenumber knows ("US", "GB", "DE"...).
bool is_known_country(std::string_view country);

// What a user typed ("(555) 123-4567", "+44 20 7946 0018", "12345") -> E.164 ("+15551234567")
// or, for short codes (3-8 digits, no '+'), the digits. `default_country` applies to numbers
// typed without a country code. Errors are sentences fit for the user.
// Full numbers need only a plausible length for their country: fictional ranges such as
// 555-01xx are used in testing, and the provider has the last word on reachability.
Result<std::string> normalize_number(std::string_view typed, std::string_view default_country);

// True for a node already in canonical form: '+' and 7-15 digits (E.164, country code
// not 0), or 3-8 digits (a short code).
bool is_canonical_node(std::string_view node);

// The number a JID node addresses: canonical nodes as they are, anything else through
// normalize_number (so "5551234567@sms..." works for users of `default_country`).
Result<std::string> number_from_node(std::string_view node, std::string_view default_country);

// The JID node for a normalized number (E.164 or short code); the identity today, named so
// callers don't depend on that.
std::string node_from_number(std::string_view number);

// An alphanumeric sender ID ("ACME", "Bank-Alerts"): a sender with an ASCII letter in it.
// Such senders text users but can't be texted back. As JID nodes they are the name XEP-0106
// escaped (nodeprep lower-cases it: "acme", "bank-alerts", "my\20shop"); a number node never has
// a letter, so the two can't be confused, and vanity numbers must be written as digits.
bool is_alphanumeric_sender(std::string_view sender);

// For people: "+1 555-123-4567"; short codes and unparsable input come back unchanged.
std::string display_number(std::string_view number);

}  // namespace junction::sms
