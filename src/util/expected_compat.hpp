#pragma once
// Only for clang 14 (the libFuzzer build): libstdc++ 12 hides std::expected from compilers
// that lack C++20 conditionally trivial special members, which clang gained in version 16.
// This supplies the subset of std::expected that Junction uses, with the standard's names and
// semantics, so the same sources build for fuzzing. g++ never sees it.
#include <utility>
#include <expected>  // defines nothing here, but claims the header guard first

#if !defined(__cpp_lib_expected)
#include <memory>
#include <new>
#include <type_traits>

namespace std {

template <class E>
class unexpected {
 public:
  constexpr explicit unexpected(E e) : error_(std::move(e)) {}
  constexpr const E& error() const& { return error_; }
  constexpr E& error() & { return error_; }
  constexpr E&& error() && { return std::move(error_); }

 private:
  E error_;
};
template <class E>
unexpected(E) -> unexpected<E>;

struct unexpect_t {
  explicit unexpect_t() = default;
};
inline constexpr unexpect_t unexpect{};

template <class T, class E>
class expected {
 public:
  using value_type = T;
  using error_type = E;

  expected() requires std::is_default_constructible_v<T> : has_(true) { ::new (&value_) T(); }
  template <class U = T>
    requires(!std::is_same_v<std::remove_cvref_t<U>, expected> &&
             !std::is_same_v<std::remove_cvref_t<U>, unexpected<E>> && std::is_constructible_v<T, U&&>)
  expected(U&& v) : has_(true) {
    ::new (&value_) T(std::forward<U>(v));
  }
  template <class G>
  expected(const unexpected<G>& u) : has_(false) {
    ::new (&error_) E(u.error());
  }
  template <class G>
  expected(unexpected<G>&& u) : has_(false) {
    ::new (&error_) E(std::move(u).error());
  }
  expected(const expected& o) : has_(o.has_) {
    if (has_) ::new (&value_) T(o.value_); else ::new (&error_) E(o.error_);
  }
  expected(expected&& o) noexcept : has_(o.has_) {
    if (has_) ::new (&value_) T(std::move(o.value_)); else ::new (&error_) E(std::move(o.error_));
  }
  expected& operator=(const expected& o) {
    if (this != &o) { destroy(); ::new (this) expected(o); }
    return *this;
  }
  expected& operator=(expected&& o) noexcept {
    if (this != &o) { destroy(); ::new (this) expected(std::move(o)); }
    return *this;
  }
  ~expected() { destroy(); }

  constexpr bool has_value() const { return has_; }
  constexpr explicit operator bool() const { return has_; }
  T& operator*() & { return value_; }
  const T& operator*() const& { return value_; }
  T&& operator*() && { return std::move(value_); }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }
  T& value() & { return value_; }
  const T& value() const& { return value_; }
  E& error() & { return error_; }
  const E& error() const& { return error_; }
  E&& error() && { return std::move(error_); }
  template <class U>
  T value_or(U&& fallback) const& { return has_ ? value_ : static_cast<T>(std::forward<U>(fallback)); }

 private:
  void destroy() {
    if (has_) value_.~T(); else error_.~E();
  }
  bool has_;
  union {
    T value_;
    E error_;
  };
};

template <class E>
class expected<void, E> {
 public:
  using value_type = void;
  using error_type = E;
  expected() : has_(true) {}
  template <class G>
  expected(const unexpected<G>& u) : has_(false), error_(u.error()) {}
  template <class G>
  expected(unexpected<G>&& u) : has_(false), error_(std::move(u).error()) {}
  constexpr bool has_value() const { return has_; }
  constexpr explicit operator bool() const { return has_; }
  void operator*() const {}
  E& error() & { return error_; }
  const E& error() const& { return error_; }

 private:
  bool has_;
  E error_{};
};

}  // namespace std
#endif
