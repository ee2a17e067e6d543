// Expected failures as values: bad input, unknown references, conflicts.
// Broken invariants are bugs and surface as ErrorCode::internal.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace onestop {

// One error: a stable code (on the wire), the path of the field at fault ("items[3].amount",
// empty when no single field is to blame) and a sentence for people.
struct Error {
  std::string code;
  std::string field;
  std::string message;

  friend bool operator==(const Error&, const Error&) = default;
};

// Either a value or an Error. Deliberately small: construction from either side, checked access.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}    // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  // Precondition: ok(). Access to the wrong side throws std::bad_variant_access.
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // Precondition: !ok().
  const Error& error() const { return std::get<Error>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace onestop
