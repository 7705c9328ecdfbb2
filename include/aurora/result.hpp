#pragma once

#include <string>
#include <utility>
#include <variant>

namespace aurora {

/// What kind of failure an Error reports. kNotFound and kConflict are ordinary answers.
enum class ErrorCode { kInvalidArgument, kNotFound, kConflict, kUnavailable, kCorrupt, kInternal };

/// Name of an ErrorCode as used in logs and API bodies ("invalid_argument", ...).
const char* ErrorCodeName(ErrorCode code);

/// An expected failure. `field` is the JSON path of the offending input when there is one
/// (`parameters[3].rules[0].conditions[1].value`), empty otherwise.
struct Error {
  Error() = default;
  Error(ErrorCode c, std::string m, std::string f = {})
      : code(c), message(std::move(m)), field(std::move(f)) {}

  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string field;

  /// "field: message", or just the message when there is no field.
  std::string ToString() const { return field.empty() ? message : field + ": " + message; }
};

/// A value or an Error; member names follow std::expected. An Error converts implicitly.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(state_); }
  Error&& error() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

/// Result of an operation that yields nothing on success.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit

  bool has_value() const { return !failed_; }
  explicit operator bool() const { return has_value(); }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool failed_ = false;
};

}  // namespace aurora
