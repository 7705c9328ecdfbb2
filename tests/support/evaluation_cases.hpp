#pragma once

// Shared reading of the evaluation case files (tests/engine/testdata/*.json with "cases"), so
// the engine, the CLI and later the SDK and server run the very same cases.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/time.hpp"
#include "support/testdata.hpp"

namespace aurora::testing {

inline std::filesystem::path TestdataDir() { return AURORA_TESTDATA_DIR; }

/// The case files, sorted by name.
inline std::vector<std::filesystem::path> EvaluationCaseFiles() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(TestdataDir())) {
    if (entry.path().extension() != ".json") continue;
    const auto doc = nlohmann::json::parse(ReadFile(entry.path()), nullptr, false);
    if (doc.is_object() && doc.contains("cases") && doc.contains("snapshot")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

/// The case's "now", or the current time when absent.
inline engine::Timestamp CaseTime(const nlohmann::json& c) {
  if (c.contains("now") && c["now"].is_string()) return *engine::ParseRfc3339(c["now"].get<std::string>());
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

/// An evaluation result object reduced to what case files state: value, source, reason and
/// the ids; or {"error": code}.
inline nlohmann::json ComparableResult(const nlohmann::json& result) {
  if (result.contains("error")) return {{"error", result["error"]["code"]}};
  nlohmann::json out;
  for (const char* key : {"value", "source", "reason", "ruleId", "experimentId", "variantId"}) {
    if (result.contains(key)) out[key] = result[key];
  }
  return out;
}

}  // namespace aurora::testing
