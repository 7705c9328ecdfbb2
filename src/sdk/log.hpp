#pragma once

#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "aurora/sdk/options.hpp"

namespace aurora::sdk {

/// Filters the SDK's log lines by level and sends them to the configured sink (standard error
/// by default). Thread-safe. Never throws: a failing sink is ignored.
class Logger {
 public:
  Logger(LogLevel level, LogSink sink);

  bool Enabled(LogLevel level) const noexcept {
    return level_ != LogLevel::kOff && level >= level_;
  }
  void Log(LogLevel level, std::string_view message) const noexcept;
  /// Logs at `level` the first time `key` is seen by this logger and at debug afterwards, so a
  /// persistent condition (a corrupt cache, a server without streaming) is reported once.
  void LogOnce(LogLevel level, std::string_view key, std::string_view message) noexcept;

 private:
  LogLevel level_;
  LogSink sink_;
  std::mutex mutex_;  // guards once_ only
  std::set<std::string, std::less<>> once_;
};

const char* LogLevelName(LogLevel level) noexcept;

}  // namespace aurora::sdk
