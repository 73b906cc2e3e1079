#pragma once
// The hashing and signature primitives behind webhook verification (OpenSSL 3).
// Pure functions, thread-safe. Outputs are raw bytes unless the name says otherwise.
#include <string>
#include <string_view>

namespace junction::sms {

enum class Digest { md5, sha1, sha256, sha512 };

std::string digest(Digest algorithm, std::string_view data);
std::string hmac(Digest algorithm, std::string_view key, std::string_view data);

// Compares without an early exit, so a forged signature can't be found byte by byte through
// response timing. Only the lengths leak, and signature lengths are public anyway.
bool constant_time_equal(std::string_view a, std::string_view b);

// `public_key` is the raw 32-byte key, `signature` the raw 64 bytes. False on any malformed
// input rather than an error: to a webhook, a bad key and a bad signature mean the same.
bool ed25519_verify(std::string_view public_key, std::string_view message, std::string_view signature);

}  // namespace junction::sms
