#include "server/api/metrics.hpp"

#include <cstdio>

namespace aurora::server::api {
namespace {
std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
}  // namespace

namespace {
// Methods as static strings, so labels never point into a request.
std::string_view CanonicalMethod(std::string_view m) {
  for (std::string_view known : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
    if (m == known) return known;
  }
  return "OTHER";
}
}  // namespace

void Metrics::ObserveRequest(std::string_view method_text, std::string_view route, int status,
                             std::chrono::nanoseconds latency) {
  const double seconds = std::chrono::duration<double>(latency).count();
  const std::string_view method = CanonicalMethod(method_text);
  std::lock_guard lock(mutex_);
  ++requests_[{method, route, status}];
  Histogram& h = latency_[{method, route}];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::AddGauge(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  gauges_[std::move(name)] = Gauge{std::move(help), std::move(read)};
}

void Metrics::AddCounter(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  gauges_[std::move(name)] = Gauge{std::move(help), std::move(read), "counter"};
}

std::string Metrics::Render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  out += "# HELP aurora_http_requests_total HTTP requests by method, route and status.\n";
  out += "# TYPE aurora_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [method, route, status] = key;
    out += "aurora_http_requests_total{method=\"" + std::string(method) + "\",route=\"" + std::string(route) + "\",status=\"" +
           std::to_string(status) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP aurora_http_request_duration_seconds HTTP request latency by method and route.\n";
  out += "# TYPE aurora_http_request_duration_seconds histogram\n";
  for (const auto& [key, h] : latency_) {
    const std::string labels = "method=\"" + std::string(key.first) + "\",route=\"" + std::string(key.second) + "\"";
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      out += "aurora_http_request_duration_seconds_bucket{" + labels + ",le=\"" + Number(kBuckets[i]) + "\"} " +
             std::to_string(h.buckets[i]) + "\n";
    }
    out += "aurora_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
    out += "aurora_http_request_duration_seconds_sum{" + labels + "} " + Number(h.sum) + "\n";
    out += "aurora_http_request_duration_seconds_count{" + labels + "} " + std::to_string(h.count) + "\n";
  }
  out += "# HELP aurora_database_errors_total Database operations that failed for reasons other than bad input.\n";
  out += "# TYPE aurora_database_errors_total counter\n";
  out += "aurora_database_errors_total " + std::to_string(database_errors_.load()) + "\n";
  for (const auto& [name, g] : gauges_) {
    out += "# HELP " + name + " " + g.help + "\n# TYPE " + name + " " + g.type + "\n" + name + " " + Number(g.read()) + "\n";
  }
  return out;
}

}  // namespace aurora::server::api
