#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace aurora::engine {

/// A UTC instant with microsecond precision.
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

/// Parses RFC 3339 date-times: `2026-11-27T21:00:00Z`, fractional seconds and numeric offsets
/// (`+02:00`) included, `t`/`z` in either case. nullopt when the text is not one.
std::optional<Timestamp> ParseRfc3339(std::string_view text);

/// Formats as `YYYY-MM-DDTHH:MM:SSZ`, with `.ffffff` only when there are sub-second digits.
std::string FormatRfc3339(Timestamp t);

}  // namespace aurora::engine
