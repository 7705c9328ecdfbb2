#pragma once

// Helpers shared by the SDK tests: a small snapshot document, quiet clients, waiting.

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aurora/aurora.hpp"

namespace aurora::testing {

/// A valid snapshot at `revision`. welcome_message defaults to `welcome` and says "Hi US" for
/// country US (rule r1); hero_title is set by experiment 7 (SPEC §3's reference uuid: user_12345
/// lands in variant 1, "Welcome"); and one parameter of each type.
inline std::string SnapshotJson(std::int64_t revision, const std::string& welcome = "Hello") {
  return R"({"formatVersion":1,"revision":)" + std::to_string(revision) +
         R"(,"generatedAt":"2026-01-01T00:00:00Z",
  "attributes":[{"name":"country","dataType":"string","enumOptions":[]},{"name":"user_id","dataType":"string","enumOptions":[]},
                {"name":"age","dataType":"number","enumOptions":[]}],
  "segments":[],
  "parameters":[
    {"name":"welcome_message","dataType":"string","enabled":true,"defaultValue":")" +
         welcome + R"(",
     "rules":[{"id":"r1","type":"attribute","conditions":[{"attribute":"country","operator":"equals","value":"US"}],"value":"Hi US"}]},
    {"name":"max_retries","dataType":"number","enabled":true,"defaultValue":3,"rules":[]},
    {"name":"ratio","dataType":"number","enabled":true,"defaultValue":0.5,"rules":[]},
    {"name":"new_feature_enabled","dataType":"boolean","enabled":true,"defaultValue":true,"rules":[]},
    {"name":"feature_config","dataType":"json","enabled":true,"defaultValue":{"colors":["red","green"],"size":2},"rules":[]},
    {"name":"switched_off","dataType":"string","enabled":false,"defaultValue":"off",
     "rules":[{"id":"all","type":"attribute","conditions":[],"value":"on"}]},
    {"name":"long_text","dataType":"string","enabled":true,"defaultValue":")" +
         std::string(200, 'L') + R"(","rules":[]},
    {"name":"hero_title","dataType":"string","enabled":true,"defaultValue":"Default title","rules":[]}],
  "experiments":[{"id":7,"uuid":"b7fb8970-3fe7-49a7-9b3a-f670a7ae7641","name":"Hero test","status":"running",
    "startDate":null,"endDate":null,"hashAttribute":"user_id","populationSize":100,"segmentId":null,
    "variants":[{"id":1,"name":"Control","trafficAllocation":50,"parameters":{"hero_title":"Welcome"}},
                {"id":2,"name":"Variant A","trafficAllocation":50,"parameters":{"hero_title":"Discover"}}]}]})";
}

/// Collects log lines instead of printing them. Thread-safe.
class LogCollector {
 public:
  LogSink Sink() {
    return [this](LogLevel level, std::string_view message) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(level, std::string(message));
    };
  }
  /// How many lines at `level` or above contain `text`.
  int Count(const std::string& text, LogLevel level = LogLevel::kDebug) const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& [l, m] : lines_)
      n += (l >= level && m.find(text) != std::string::npos) ? 1 : 0;
    return n;
  }
  std::string All() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& [l, m] : lines_) out += m + "\n";
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<LogLevel, std::string>> lines_;
};

/// Polls `condition` every few milliseconds until it holds or `timeout` passes.
inline bool WaitUntil(const std::function<bool()>& condition,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

}  // namespace aurora::testing
