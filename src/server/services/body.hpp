#pragma once

// Reading API request bodies: typed fields with errors that name the field path, unknown
// field detection, and the write rules of SPEC §2 (names, labels, typed values, percentages).

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aurora/result.hpp"
#include "engine/model/model.hpp"
#include "engine/time.hpp"

namespace aurora::server {

inline constexpr std::size_t kMaxNameLength = 128;
inline constexpr std::size_t kMaxTextLength = 10'000;  // descriptions, hypotheses
inline constexpr std::size_t kMaxStringValueLength = 100'000;

/// An invalid_argument Error for `field`.
Error Invalid(std::string field, std::string message);

/// Throws nothing; every check returns an Error naming the path.
class BodyReader {
 public:
  BodyReader(const nlohmann::json& object, std::string path) : object_(object), path_(std::move(path)) {}

  /// kInvalidArgument unless the value is an object whose keys are all in `allowed`.
  Result<void> Expect(std::initializer_list<std::string_view> allowed) const;

  const nlohmann::json* Find(std::string_view key) const;
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  /// Present and not null.
  bool HasValue(std::string_view key) const;
  std::string PathOf(std::string_view key) const;
  const std::string& path() const { return path_; }
  const nlohmann::json& object() const { return object_; }

  Result<std::string> String(std::string_view key, std::size_t max_length, bool required) const;
  Result<std::optional<std::int64_t>> Id(std::string_view key, bool required) const;
  Result<std::optional<bool>> Bool(std::string_view key) const;
  Result<std::optional<engine::Timestamp>> Date(std::string_view key) const;

 private:
  const nlohmann::json& object_;
  std::string path_;
};

/// `^[A-Za-z][A-Za-z0-9_.-]{0,127}$`: attribute and parameter names.
Result<std::string> CheckIdentifier(const std::string& name, const std::string& field);
/// Segment and experiment names: trimmed, 1-128 characters, no control characters.
Result<std::string> CheckLabel(const std::string& name, const std::string& field);
/// Rule ids: `^[A-Za-z0-9_-]{1,64}$`.
Result<void> CheckRuleId(const std::string& id, const std::string& field);

/// A typed value of a parameter type: number and boolean also take a string holding a valid
/// literal ("10485760", "true"); json takes anything. The result is the typed JSON.
Result<nlohmann::json> TypedValue(engine::ParameterType type, const nlohmann::json& value, const std::string& field);

/// A percentage in percent, 0..100 (or (0, 100] when `exclusive_zero`), two decimals at most.
Result<engine::Hundredths> Percentage(const nlohmann::json& value, const std::string& field, bool exclusive_zero);

/// A random (version 4) UUID from the OS CSPRNG.
std::string NewUuid();

}  // namespace aurora::server
