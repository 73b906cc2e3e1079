#pragma once
// Unguessable identifiers (attachment links, new thread ids) from the kernel's CSPRNG.
#include <cstddef>
#include <string>

namespace junction::email {

/// `bytes` random bytes as lower-case hex (2 * bytes characters). Throws std::system_error
/// only if the kernel refuses randomness, which does not happen on a running system.
std::string random_hex(std::size_t bytes);

}  // namespace junction::email
