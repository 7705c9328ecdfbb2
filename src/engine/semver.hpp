#pragma once

#include <optional>
#include <string_view>

namespace aurora::engine {

/// A SemVer 2.0.0 version viewed inside the text it was parsed from (the text must outlive it).
/// Build metadata is dropped: it plays no part in precedence.
struct SemVer {
  std::string_view major;
  std::string_view minor;
  std::string_view patch;
  std::string_view prerelease;  // dot-separated identifiers, empty when absent
};

/// Strict SemVer 2.0.0 grammar: no `v` prefix, three parts, no leading zeros in numeric
/// identifiers, no empty identifiers. Never allocates.
std::optional<SemVer> ParseSemVer(std::string_view text);

/// Precedence comparison: negative, zero or positive. Numeric identifiers of any length compare
/// as integers. Never allocates.
int CompareSemVer(const SemVer& a, const SemVer& b);

}  // namespace aurora::engine
