#include "engine/semver.hpp"

namespace aurora::engine {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}
bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// A numeric identifier: digits, no leading zero unless it is "0".
bool IsNumeric(std::string_view s) { return !s.empty() && AllDigits(s) && (s.size() == 1 || s[0] != '0'); }

// Dot-separated, non-empty identifiers of [0-9A-Za-z-]; numeric ones without leading zeros
// when `strict_numbers` (pre-release), any digits allowed otherwise (build metadata).
bool ValidIdentifiers(std::string_view s, bool strict_numbers) {
  if (s.empty()) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    const std::string_view id = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (id.empty()) return false;
    for (char c : id) {
      if (!IsIdentChar(c)) return false;
    }
    if (strict_numbers && AllDigits(id) && id.size() > 1 && id[0] == '0') return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// Integers without leading zeros: the longer is larger, else compare the digits.
int CompareNumeric(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string_view NextIdentifier(std::string_view& rest) {
  const std::size_t dot = rest.find('.');
  std::string_view id = rest.substr(0, dot);
  rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
  return id;
}

}  // namespace

std::optional<SemVer> ParseSemVer(std::string_view text) {
  SemVer v;
  std::string_view rest = text;
  const std::size_t plus = rest.find('+');
  if (plus != std::string_view::npos) {
    if (!ValidIdentifiers(rest.substr(plus + 1), false)) return std::nullopt;
    rest = rest.substr(0, plus);
  }
  const std::size_t dash = rest.find('-');
  if (dash != std::string_view::npos) {
    v.prerelease = rest.substr(dash + 1);
    if (!ValidIdentifiers(v.prerelease, true)) return std::nullopt;
    rest = rest.substr(0, dash);
  }
  const std::size_t dot1 = rest.find('.');
  if (dot1 == std::string_view::npos) return std::nullopt;
  const std::size_t dot2 = rest.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return std::nullopt;
  v.major = rest.substr(0, dot1);
  v.minor = rest.substr(dot1 + 1, dot2 - dot1 - 1);
  v.patch = rest.substr(dot2 + 1);
  if (!IsNumeric(v.major) || !IsNumeric(v.minor) || !IsNumeric(v.patch)) return std::nullopt;
  return v;
}

int CompareSemVer(const SemVer& a, const SemVer& b) {
  if (int c = CompareNumeric(a.major, b.major)) return c;
  if (int c = CompareNumeric(a.minor, b.minor)) return c;
  if (int c = CompareNumeric(a.patch, b.patch)) return c;
  // A version without pre-release ranks above one with it.
  if (a.prerelease.empty() || b.prerelease.empty()) {
    if (a.prerelease.empty() && b.prerelease.empty()) return 0;
    return a.prerelease.empty() ? 1 : -1;
  }
  std::string_view ra = a.prerelease;
  std::string_view rb = b.prerelease;
  while (!ra.empty() && !rb.empty()) {
    const std::string_view ia = NextIdentifier(ra);
    const std::string_view ib = NextIdentifier(rb);
    const bool na = AllDigits(ia);
    const bool nb = AllDigits(ib);
    int c;
    if (na && nb) {
      c = CompareNumeric(ia, ib);
    } else if (na != nb) {
      c = na ? -1 : 1;  // numeric identifiers rank below alphanumeric ones
    } else {
      const int raw = ia.compare(ib);  // ASCII order
      c = raw < 0 ? -1 : (raw > 0 ? 1 : 0);
    }
    if (c != 0) return c;
  }
  if (ra.empty() && rb.empty()) return 0;
  return ra.empty() ? -1 : 1;  // more identifiers rank higher
}

}  // namespace aurora::engine
