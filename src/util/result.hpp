#pragma once
// Errors as values at module boundaries: a Result<T> is either a T or an Error that says
// what went wrong in words the caller can pass on to a user or an operator.
#include <utility>
#if defined(__clang__) && __clang_major__ < 16
#include "util/expected_compat.hpp"
#else
#include <expected>
#endif
#include <string>

namespace junction {

struct Error {
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(std::string message) {
  return std::unexpected(Error{std::move(message)});
}

}  // namespace junction
