#pragma once

// Prometheus metrics of the server (text exposition format 0.0.4). Thread-safe.

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace aurora::server::api {

class Metrics {
 public:
  /// Records one finished request under its route pattern (or "unmatched"). `route` must
  /// outlive the Metrics (the router's patterns do). Allocates only for a new label set.
  void ObserveRequest(std::string_view method, std::string_view route, int status,
                      std::chrono::nanoseconds latency);
  void CountDatabaseError() { database_errors_.fetch_add(1, std::memory_order_relaxed); }
  /// Extra gauges read at scrape time, e.g. aurora_snapshot_revision.
  void AddGauge(std::string name, std::string help, std::function<double()> read);
  /// Like AddGauge, for a value that only grows (rendered as TYPE counter; name it *_total).
  void AddCounter(std::string name, std::string help, std::function<double()> read);
  std::string Render() const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;  // guards the maps
  std::map<std::tuple<std::string_view, std::string_view, int>, std::uint64_t> requests_;
  std::map<std::pair<std::string_view, std::string_view>, Histogram> latency_;
  std::atomic<std::uint64_t> database_errors_{0};
  struct Gauge {
    std::string help;
    std::function<double()> read;
    const char* type = "gauge";
  };
  std::map<std::string, Gauge> gauges_;
};

}  // namespace aurora::server::api
