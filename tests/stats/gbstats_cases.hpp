#pragma once

// The gbstats reference cases (testdata/gbstats/cases.jsonl) and the comparison rule they are
// checked with, shared by the library test and the `aurora stats --cases` CLI test.
// Rule: a number matches when |actual − expected| ≤ 1e-6·|expected|; an expected 0 needs
// |actual| ≤ 1e-9. Non-finite numbers are the strings "NaN", "Infinity", "-Infinity"; error
// messages must be equal.

#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace aurora::testing {

inline constexpr double kGbstatsRelativeTolerance = 1e-6;
inline constexpr double kGbstatsZeroTolerance = 1e-9;

struct GbstatsCase {
  std::string id;
  nlohmann::json input;     ///< one line of `aurora stats --cases` input
  nlohmann::json expected;  ///< gbstats' result
};

/// Names a case by its id in test output (googletest finds it by argument-dependent lookup).
inline void PrintTo(const GbstatsCase& c, std::ostream* os) { *os << c.id; }

inline std::filesystem::path GbstatsCasesFile() {
  return std::filesystem::path(AURORA_STATS_TESTDATA_DIR) / "gbstats" / "cases.jsonl";
}

/// Every case of cases.jsonl, in file order.
inline std::vector<GbstatsCase> LoadGbstatsCases() {
  std::vector<GbstatsCase> cases;
  std::ifstream in(GbstatsCasesFile());
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto doc = nlohmann::json::parse(line);
    cases.push_back({doc.at("id").get<std::string>(), doc.at("input"), doc.at("expected")});
  }
  return cases;
}

/// A JSON number, or one of the strings standing for a non-finite number.
inline std::optional<double> GbstatsNumber(const nlohmann::json& v) {
  if (v.is_number()) return v.get<double>();
  if (v == "NaN") return std::nan("");
  if (v == "Infinity") return HUGE_VAL;
  if (v == "-Infinity") return -HUGE_VAL;
  return std::nullopt;
}

inline bool GbstatsNumbersMatch(double actual, double expected) {
  if (std::isnan(expected)) return std::isnan(actual);
  if (std::isinf(expected)) return actual == expected;
  if (expected == 0) return std::fabs(actual) <= kGbstatsZeroTolerance;
  return std::fabs(actual - expected) <= kGbstatsRelativeTolerance * std::fabs(expected);
}

/// Whether `actual` has exactly the fields of `expected`, with matching numbers and equal
/// strings; the failure message names the first field that differs.
inline ::testing::AssertionResult MatchesGbstats(const nlohmann::json& actual,
                                                 const nlohmann::json& expected,
                                                 const std::string& path = "") {
  const auto fail = [&](const std::string& why) {
    return ::testing::AssertionFailure()
           << (path.empty() ? "result" : path) << ": " << why << " (actual " << actual.dump()
           << ", expected " << expected.dump() << ")";
  };
  const auto e = GbstatsNumber(expected);
  if (e) {
    const auto a = GbstatsNumber(actual);
    if (!a) return fail("not a number");
    if (!GbstatsNumbersMatch(*a, *e)) {
      return fail("differs by " + std::to_string(std::fabs(*a - *e) / std::fabs(*e)) + " relative");
    }
    return ::testing::AssertionSuccess();
  }
  if (expected.is_object()) {
    if (!actual.is_object()) return fail("not an object");
    for (const auto& [key, value] : actual.items()) {
      if (!expected.contains(key)) return fail("unexpected field " + key);
    }
    for (const auto& [key, value] : expected.items()) {
      if (!actual.contains(key)) return fail("missing field " + key);
      auto r = MatchesGbstats(actual[key], value, path.empty() ? key : path + "." + key);
      if (!r) return r;
    }
    return ::testing::AssertionSuccess();
  }
  if (expected.is_array()) {
    if (!actual.is_array() || actual.size() != expected.size()) return fail("array size differs");
    for (std::size_t i = 0; i < expected.size(); ++i) {
      auto r = MatchesGbstats(actual[i], expected[i], path + "[" + std::to_string(i) + "]");
      if (!r) return r;
    }
    return ::testing::AssertionSuccess();
  }
  if (actual != expected) return fail("differs");
  return ::testing::AssertionSuccess();
}

}  // namespace aurora::testing
