// Propagation benchmark (docs/benchmarks.md, "Propagation"): N SDK clients in this process and
// one writer that changes a parameter W times through the API of a running aurora-server; for
// every (client, write) the time from the write to the client's on_change callback for a
// revision that contains it. bench/propagation/run.sh starts the server and runs the cases.
//
//   aurora_propagation_bench --endpoint http://127.0.0.1:PORT --parameter-id ID
//       [--clients N] [--writes W] [--interval-ms MS] [--mode stream|poll] [--refresh-ms MS]
//
// The clock starts when the write request is sent, so each figure is an upper bound on
// commit → callback (it includes the write's own round trip, reported separately).

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "aurora/aurora.hpp"
#include "support/server_process.hpp"  // Http: the writer's requests

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

struct Args {
  std::string endpoint;
  std::int64_t parameter_id = 0;
  int clients = 1;
  int writes = 200;
  int interval_ms = 50;
  bool stream = true;
  int refresh_ms = 1000;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "%s\nusage: aurora_propagation_bench --endpoint http://127.0.0.1:PORT "
               "--parameter-id ID [--clients N] [--writes W] [--interval-ms MS] "
               "[--mode stream|poll] [--refresh-ms MS]\n",
               why);
  std::exit(64);
}

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Usage(("missing value for " + flag).c_str());
    const std::string value = argv[++i];
    if (flag == "--endpoint") a.endpoint = value;
    else if (flag == "--parameter-id") a.parameter_id = std::stoll(value);
    else if (flag == "--clients") a.clients = std::stoi(value);
    else if (flag == "--writes") a.writes = std::stoi(value);
    else if (flag == "--interval-ms") a.interval_ms = std::stoi(value);
    else if (flag == "--refresh-ms") a.refresh_ms = std::stoi(value);
    else if (flag == "--mode") {
      if (value != "stream" && value != "poll") Usage("--mode is stream or poll");
      a.stream = value == "stream";
    } else {
      Usage(("unknown flag " + flag).c_str());
    }
  }
  if (a.endpoint.empty() || a.parameter_id <= 0) Usage("--endpoint and --parameter-id are needed");
  if (a.clients < 1 || a.writes < 1) Usage("--clients and --writes must be positive");
  return a;
}

std::uint16_t PortOf(const std::string& endpoint) {
  return static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
}

/// What one client saw: for each write i, when a revision containing it reached on_change.
struct Arrivals {
  explicit Arrivals(std::size_t writes) : at(writes) {
    for (auto& a : at) a.store(0, std::memory_order_relaxed);
  }
  std::vector<std::atomic<std::int64_t>> at;  // ns on the steady clock; 0 = not yet
};

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double rank = p * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(rank);
  const auto hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - static_cast<double>(lo));
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = Parse(argc, argv);
  const std::uint16_t port = PortOf(args.endpoint);
  const std::string path = "/api/v1/parameters/" + std::to_string(args.parameter_id);

  auto metadata = aurora::testing::Http(port, "GET", "/api/v1/sdk/metadata", "");
  auto parameter = aurora::testing::Http(port, "GET", path, "");
  if (metadata.status != 200 || parameter.status != 200) {
    std::fprintf(stderr, "cannot read the server's revision or parameter %lld\n",
                 static_cast<long long>(args.parameter_id));
    return 1;
  }
  std::int64_t version = nlohmann::json::parse(parameter.body).at("version").get<std::int64_t>();

  // Write 0 is a warm-up: once every client has it, every stream is connected.
  const std::size_t total = static_cast<std::size_t>(args.writes) + 1;
  std::int64_t base = nlohmann::json::parse(metadata.body).at("revision").get<std::int64_t>();

  std::vector<std::unique_ptr<Arrivals>> arrivals;
  std::vector<std::unique_ptr<aurora::Client>> clients;
  arrivals.reserve(static_cast<std::size_t>(args.clients));
  clients.reserve(static_cast<std::size_t>(args.clients));
  std::atomic<std::int64_t> base_revision{base};
  const auto started = Clock::now();
  for (int c = 0; c < args.clients; ++c) {
    arrivals.push_back(std::make_unique<Arrivals>(total));
    Arrivals* mine = arrivals.back().get();
    aurora::ClientOptions options{.endpoint_url = args.endpoint};
    options.in_memory_only = true;
    options.streaming = args.stream;
    options.refresh_rate = args.stream ? std::chrono::milliseconds(3'600'000)
                                       : std::chrono::milliseconds(args.refresh_ms);
    options.log_level = aurora::LogLevel::kError;
    options.timeout = 10s;
    options.backoff_initial = 100ms;
    options.backoff_max = 2s;
    options.on_change = [mine, &base_revision, total](std::int64_t from, std::int64_t to) {
      const std::int64_t now = NowNs();
      const std::int64_t first = base_revision.load(std::memory_order_relaxed) + 1;
      for (std::int64_t r = std::max(from + 1, first); r <= to; ++r) {
        const auto i = static_cast<std::size_t>(r - first);
        if (i < total) mine->at[i].store(now, std::memory_order_relaxed);
      }
    };
    clients.push_back(std::make_unique<aurora::Client>(std::move(options)));
    if (!clients.back()->Start().ready) {
      std::fprintf(stderr, "client %d did not become ready\n", c);
      return 1;
    }
  }
  const double start_s = std::chrono::duration<double>(Clock::now() - started).count();
  std::this_thread::sleep_for(args.stream ? 500ms : 100ms);

  std::vector<std::int64_t> sent(total, 0);
  std::vector<double> write_ms;
  auto write = [&](std::size_t i) -> bool {
    const nlohmann::json body = {{"defaultValue", "value-" + std::to_string(i)},
                                 {"version", version}};
    sent[i] = NowNs();
    const auto answer = aurora::testing::Http(port, "PATCH", path, body.dump());
    const std::int64_t done = NowNs();
    if (answer.status != 200) {
      std::fprintf(stderr, "write %zu failed (HTTP %d): %s\n", i, answer.status, answer.body.c_str());
      return false;
    }
    version = nlohmann::json::parse(answer.body).at("version").get<std::int64_t>();
    if (i > 0) write_ms.push_back(static_cast<double>(done - sent[i]) / 1e6);
    return true;
  };
  auto all_have = [&](std::size_t i, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      bool all = true;
      for (const auto& a : arrivals) all = all && a->at[i].load(std::memory_order_relaxed) != 0;
      if (all) return true;
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(2ms);
    }
  };

  if (!write(0) || !all_have(0, 30s)) {
    std::fprintf(stderr, "the warm-up write did not reach every client\n");
    return 1;
  }
  const double cpu_before = CpuSeconds();
  const auto run_started = Clock::now();
  for (std::size_t i = 1; i < total; ++i) {
    const auto next = run_started + std::chrono::milliseconds(args.interval_ms) * i;
    std::this_thread::sleep_until(next);
    if (!write(i)) return 1;
  }
  const bool complete =
      all_have(total - 1, args.stream ? 30s : std::chrono::milliseconds(args.refresh_ms * 5 + 5000));
  const double run_s = std::chrono::duration<double>(Clock::now() - run_started).count();
  const double cpu_s = CpuSeconds() - cpu_before;

  std::vector<double> latencies;
  latencies.reserve(static_cast<std::size_t>(args.clients) * static_cast<std::size_t>(args.writes));
  std::size_t missing = 0;
  for (const auto& a : arrivals) {
    for (std::size_t i = 1; i < total; ++i) {
      const std::int64_t at = a->at[i].load(std::memory_order_relaxed);
      if (at == 0) {
        ++missing;
        continue;
      }
      latencies.push_back(static_cast<double>(at - sent[i]) / 1e6);
    }
  }
  clients.clear();  // stop every client before reporting
  std::sort(latencies.begin(), latencies.end());
  std::sort(write_ms.begin(), write_ms.end());
  std::printf(
      "| %s | %d | %d | %.1f | %.1f | %.1f | %.1f | %zu | %.2f | %.1f | %.1f |\n",
      args.stream ? "stream" : ("poll " + std::to_string(args.refresh_ms) + " ms").c_str(),
      args.clients, args.writes, Percentile(latencies, 0.5), Percentile(latencies, 0.99),
      Percentile(latencies, 0.999), latencies.empty() ? 0.0 : latencies.back(), missing,
      Percentile(write_ms, 0.5), cpu_s / run_s * 100.0, start_s * 1000.0);
  if (!complete) std::fprintf(stderr, "not every client received the last write in time\n");
  return complete && missing == 0 ? 0 : 2;
}
