#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace aurora {

/// What went wrong in an SDK call. kNone means no error.
enum class ErrorKind {
  kNone,
  kParameterNotFound,  // the snapshot has no parameter of that name
  kNetwork,            // the server could not be reached or answered with an error status
  kConfiguration,      // bad options (no endpoint, bad key) or a snapshot the SDK refused to load
  kTypeMismatch,       // the value is not of the type the caller asked for
  kNotReady,           // no snapshot yet: neither the cache nor the server provided one
};

/// "none", "parameter_not_found", "network", "configuration", "type_mismatch", "not_ready".
const char* ErrorKindName(ErrorKind kind) noexcept;

/// An SDK failure: its kind and a message for logs. Constructing one without a detail never
/// allocates, so evaluation errors are free. A plain value type.
class ClientError {
 public:
  ClientError() = default;
  explicit ClientError(ErrorKind kind) noexcept : kind_(kind) {}
  ClientError(ErrorKind kind, std::string detail) : kind_(kind), detail_(std::move(detail)) {}

  ErrorKind kind() const noexcept { return kind_; }
  /// The detail given at construction, or a generic sentence for the kind.
  std::string_view message() const noexcept;
  /// True when this holds an error (kind() != kNone).
  explicit operator bool() const noexcept { return kind_ != ErrorKind::kNone; }

 private:
  ErrorKind kind_ = ErrorKind::kNone;
  std::string detail_;
};

}  // namespace aurora
