#include "server/log.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "server/services/clock.hpp"

namespace aurora::server {

void Logger::Log(LogLevel level, std::string_view message, const Fields& fields) {
  if (!Enabled(level)) return;
  const std::string time = engine::FormatRfc3339(SystemClock().Now());
  std::string line;
  if (format_ == LogFormat::kJson) {
    nlohmann::ordered_json j;
    j["time"] = time;
    j["level"] = LogLevelName(level);
    j["msg"] = message;
    for (const auto& [k, v] : fields) j[k] = v;
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = time + " " + std::string(LogLevelName(level)) + " " + std::string(message);
    for (const auto& [k, v] : fields) line += " " + k + "=" + v;
  }
  line += '\n';
  std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace aurora::server
