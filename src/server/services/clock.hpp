#pragma once

#include <chrono>

#include "engine/time.hpp"

namespace aurora::server {

/// Where services read the time. Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual engine::Timestamp Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  engine::Timestamp Now() const override {
    return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  }
};

inline std::int64_t ToMicros(engine::Timestamp t) { return t.time_since_epoch().count(); }
inline engine::Timestamp FromMicros(std::int64_t us) { return engine::Timestamp(std::chrono::microseconds(us)); }

}  // namespace aurora::server
