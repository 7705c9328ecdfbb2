#pragma once

// Strict JSON reading shared by every parser of untrusted text in Aurora (snapshots, request
// bodies, cache entries), so each applies the same rules.

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aurora/result.hpp"
#include "aurora/value.hpp"

namespace aurora::engine {

inline constexpr int kDefaultMaxJsonDepth = 64;

/// Parses one JSON document. Refuses (kInvalidArgument, with the byte offset in the message):
/// syntax errors, invalid UTF-8, lone surrogate escapes, duplicate object keys, nesting deeper
/// than `max_depth`, and numbers that overflow a double.
Result<nlohmann::json> ParseJson(std::string_view text, int max_depth = kDefaultMaxJsonDepth);

/// The JSON value as an evaluation Value (typed scalar plus canonical text).
Value ToValue(const nlohmann::json& json);

/// A JSON path segment appended to `path`: `.key` (bare `key` at the root) or `[i]`.
std::string JoinPath(std::string_view path, std::string_view key);
std::string JoinPath(std::string_view path, std::size_t index);

/// The name of a JSON value's type for messages: "string", "number", "object", ...
const char* JsonTypeName(const nlohmann::json& json);

}  // namespace aurora::engine
