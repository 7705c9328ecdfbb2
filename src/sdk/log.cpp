#include "sdk/log.hpp"

#include <cstdio>

namespace aurora::sdk {

const char* LogLevelName(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
    case LogLevel::kOff:
      return "off";
  }
  return "?";
}

Logger::Logger(LogLevel level, LogSink sink) : level_(level), sink_(std::move(sink)) {}

void Logger::Log(LogLevel level, std::string_view message) const noexcept {
  if (!Enabled(level)) return;
  try {
    if (sink_) {
      sink_(level, message);
      return;
    }
    // One write per line so lines from several threads do not interleave.
    std::string line = "aurora-sdk [";
    line += LogLevelName(level);
    line += "] ";
    line += message;
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
  } catch (...) {
    // Logging must never take the application down.
  }
}

void Logger::LogOnce(LogLevel level, std::string_view key, std::string_view message) noexcept {
  bool first = false;
  try {
    std::lock_guard lock(mutex_);
    first = once_.emplace(key).second;
  } catch (...) {
  }
  Log(first ? level : LogLevel::kDebug, message);
}

}  // namespace aurora::sdk
