#pragma once

// The server's log: one line per event, text or JSON (logging.format), filtered by level.
// Thread-safe: lines are written whole under a mutex.

#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/config/config.hpp"

namespace aurora::server {

class Logger {
 public:
  using Fields = std::vector<std::pair<std::string, std::string>>;

  Logger(LogLevel level, LogFormat format) : level_(level), format_(format) {}

  void Log(LogLevel level, std::string_view message, const Fields& fields = {});
  void Debug(std::string_view m, const Fields& f = {}) { Log(LogLevel::kDebug, m, f); }
  void Info(std::string_view m, const Fields& f = {}) { Log(LogLevel::kInfo, m, f); }
  void Warn(std::string_view m, const Fields& f = {}) { Log(LogLevel::kWarn, m, f); }
  void Error(std::string_view m, const Fields& f = {}) { Log(LogLevel::kError, m, f); }
  bool Enabled(LogLevel level) const { return level >= level_; }

 private:
  LogLevel level_;
  LogFormat format_;
  std::mutex mutex_;  // serializes writes to stderr
};

}  // namespace aurora::server
