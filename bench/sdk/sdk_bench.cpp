// SDK benchmarks (docs/benchmarks.md, section "SDK").
//   BM_Engine_Wn / BM_Sdk_Wn: one evaluation per iteration, a random flag for a random user out of
//     10,000 prebuilt users (AURORA_BENCH_USERS), the same precomputed picks for both: the raw
//     engine::Evaluate against Client::EvaluateParameter (snapshot reference, clock read, result
//     with its shared_ptr, hook checks). Workloads W1-W3 as in bench/engine.
//   BM_Paired_Wn: both interleaved chunk by chunk, reporting the fastest chunk of each and the
//     ratio (the robust figure on a busy machine).
//   BM_ColdStart10k: construct a Client and Start() it from an LMDB cache holding a
//   10,000-parameter
//     snapshot while the server is down (connection refused), until it is ready to evaluate.
//   BM_CacheRead10k: the SDK's part of that: open and check LMDB, read, verify the checksum.
//   BM_ColdStartTiny: a cold start from a one-parameter cache (fixed costs: threads, curl, LMDB).
//   BM_LoadSnapshot10k: engine::LoadSnapshot of that document alone, for reference.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <unistd.h>

#include "aurora/aurora.hpp"

#include "bench/engine/workloads.hpp"
#include "engine/compiled_snapshot.hpp"
#include "engine/evaluator.hpp"
#include "sdk/cache/lmdb_kv_store.hpp"
#include "sdk/cache/snapshot_record.hpp"

namespace aurora::bench {
namespace {

using namespace std::chrono_literals;

/// Serves one fixed snapshot document; the benchmark's stand-in for aurora-server.
class FixedTransport final : public Transport {
 public:
  explicit FixedTransport(std::string json) : json_(std::move(json)) {}
  Result<HttpResponse> Get(const HttpRequest&, std::stop_token) override {
    HttpResponse response;
    response.status = 200;
    response.body = json_;
    return response;
  }

 private:
  std::string json_;
};

struct Fixture {
  std::shared_ptr<const engine::CompiledSnapshot> snapshot;
  std::unique_ptr<Client> client;
  std::vector<std::string> flags;
  std::vector<Attributes> users;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> picks;  // (flag, user), precomputed
};

Fixture Make(const std::string& snapshot_json, int flag_count) {
  Fixture f;
  auto loaded = engine::LoadSnapshot(snapshot_json);
  if (!loaded) {
    std::fprintf(stderr, "bench snapshot invalid: %s\n", loaded.error().ToString().c_str());
    std::abort();
  }
  f.snapshot = *loaded;
  f.client = std::make_unique<Client>(
      ClientOptions{.endpoint_url = "http://bench.invalid"},
      WithTransport(std::make_shared<FixedTransport>(snapshot_json)), WithInMemoryOnly(true),
      WithStreaming(false), WithRefreshRate(24h), WithLogLevel(LogLevel::kWarn));
  if (!f.client->Start().ready) std::abort();
  for (int i = 0; i < flag_count; ++i) f.flags.push_back(FlagName(i));
  f.users = Users(std::getenv("AURORA_BENCH_USERS") ? std::atoi(std::getenv("AURORA_BENCH_USERS"))
                                                    : 10000);
  std::mt19937 rng(42);
  std::uniform_int_distribution<std::uint32_t> flag(0, flag_count - 1),
      user(0, static_cast<std::uint32_t>(f.users.size() - 1));
  f.picks.resize(1 << 16);
  for (auto& p : f.picks) p = {flag(rng), user(rng)};
  return f;
}

const Fixture& W1() {
  static const Fixture f = Make(W1Snapshot(), 100);
  return f;
}
const Fixture& W2() {
  static const Fixture f = Make(W2Snapshot(), 100);
  return f;
}
const Fixture& W3() {
  static const Fixture f = Make(W3Snapshot(), 20);
  return f;
}

void RunEngine(benchmark::State& state, const Fixture& f) {
  const engine::Timestamp now = *engine::ParseRfc3339("2026-06-01T00:00:00Z");
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    const auto& [flag, user] = f.picks[i++ & (f.picks.size() - 1)];
    const Evaluation e = engine::Evaluate(*f.snapshot, f.flags[flag], f.users[user], now);
    benchmark::DoNotOptimize(e.value);
  }
  state.SetItemsProcessed(state.iterations());
}

void RunSdk(benchmark::State& state, const Fixture& f) {
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    const auto& [flag, user] = f.picks[i++ & (f.picks.size() - 1)];
    const EvaluationResult r = f.client->EvaluateParameter(f.flags[flag], f.users[user]);
    benchmark::DoNotOptimize(r.Value());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Engine_W1(benchmark::State& state) { RunEngine(state, W1()); }
void BM_Sdk_W1(benchmark::State& state) { RunSdk(state, W1()); }
void BM_Engine_W2(benchmark::State& state) { RunEngine(state, W2()); }
void BM_Sdk_W2(benchmark::State& state) { RunSdk(state, W2()); }
void BM_Engine_W3(benchmark::State& state) { RunEngine(state, W3()); }
void BM_Sdk_W3(benchmark::State& state) { RunSdk(state, W3()); }

// The machine is shared and busy, so separate engine and SDK runs are disturbed differently.
// BM_Paired_Wn interleaves them: each iteration times a chunk of engine evaluations and the same
// chunk through the SDK (alternating which goes first, so neither gets the other's warm cache),
// and reports the fastest chunk of each and their ratio: the least disturbed chunks compare.
void RunPaired(benchmark::State& state, const Fixture& f) {
  using Clock = std::chrono::steady_clock;
  constexpr std::size_t kChunk = 2048;
  const engine::Timestamp now = *engine::ParseRfc3339("2026-06-01T00:00:00Z");
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7919;
  double best_engine = 1e300, best_sdk = 1e300, total_engine = 0, total_sdk = 0;
  bool engine_first = true;
  for (auto _ : state) {
    auto engine_chunk = [&] {
      const auto start = Clock::now();
      for (std::size_t k = 0; k < kChunk; ++k) {
        const auto& [flag, user] = f.picks[(i + k) & (f.picks.size() - 1)];
        benchmark::DoNotOptimize(
            engine::Evaluate(*f.snapshot, f.flags[flag], f.users[user], now).value);
      }
      return std::chrono::duration<double, std::nano>(Clock::now() - start).count() / kChunk;
    };
    auto sdk_chunk = [&] {
      const auto start = Clock::now();
      for (std::size_t k = 0; k < kChunk; ++k) {
        const auto& [flag, user] = f.picks[(i + k) & (f.picks.size() - 1)];
        const EvaluationResult r = f.client->EvaluateParameter(f.flags[flag], f.users[user]);
        benchmark::DoNotOptimize(r.Value());
      }
      return std::chrono::duration<double, std::nano>(Clock::now() - start).count() / kChunk;
    };
    double e = 0, s = 0;
    if (engine_first) {
      e = engine_chunk();
      s = sdk_chunk();
    } else {
      s = sdk_chunk();
      e = engine_chunk();
    }
    engine_first = !engine_first;
    i += kChunk;
    best_engine = std::min(best_engine, e);
    best_sdk = std::min(best_sdk, s);
    total_engine += e;
    total_sdk += s;
  }
  using benchmark::Counter;
  state.counters["engine_ns"] = Counter(best_engine, Counter::kAvgThreads);
  state.counters["sdk_ns"] = Counter(best_sdk, Counter::kAvgThreads);
  state.counters["ratio"] = Counter(best_sdk / best_engine, Counter::kAvgThreads);
  state.counters["ratio_all"] = Counter(total_sdk / total_engine, Counter::kAvgThreads);
}

void BM_Paired_W1(benchmark::State& state) { RunPaired(state, W1()); }
void BM_Paired_W2(benchmark::State& state) { RunPaired(state, W2()); }
void BM_Paired_W3(benchmark::State& state) { RunPaired(state, W3()); }
BENCHMARK(BM_Paired_W1)->Threads(1)->Threads(2)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_Paired_W2)->Threads(1)->Threads(2)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_Paired_W3)->Threads(1)->Threads(2)->UseRealTime()->MinTime(2.0);

// On a shared machine the fastest repetition is the least disturbed one: report "min" too.
double Min(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
}

#define AURORA_EVAL_BENCH(fn) \
  BENCHMARK(fn)->Threads(1)->Threads(2)->UseRealTime()->ComputeStatistics("min", Min)

AURORA_EVAL_BENCH(BM_Engine_W1);
AURORA_EVAL_BENCH(BM_Sdk_W1);
AURORA_EVAL_BENCH(BM_Engine_W2);
AURORA_EVAL_BENCH(BM_Sdk_W2);
AURORA_EVAL_BENCH(BM_Engine_W3);
AURORA_EVAL_BENCH(BM_Sdk_W3);

// --- cold start -------------------------------------------------------------------------------

std::string Snapshot10k() {
  std::string s = Header() + R"("parameters":[)";
  for (int i = 0; i < 10'000; ++i) {
    if (i) s += ",";
    s += R"({"name":")" + FlagName(i) +
         R"(","dataType":"boolean","enabled":true,"defaultValue":false,"rules":[
      {"id":"r1","type":"attribute","conditions":[{"attribute":"country","operator":"in","value":["US","CA","GB"]}],"value":true}]})";
  }
  return s + "]}";
}

bool g_cache_made = false;
bool g_tiny_cache_made = false;

const std::string& CacheDir() {
  static const std::string dir = [] {
    g_cache_made = true;
    const auto path =
        std::filesystem::temp_directory_path() / ("aurora_sdk_bench_" + std::to_string(getpid()));
    std::filesystem::remove_all(path);
    // Persist the snapshot the way a client does after a sync.
    Client writer(ClientOptions{.endpoint_url = "http://127.0.0.1:1"},
                  WithTransport(std::make_shared<FixedTransport>(Snapshot10k())),
                  WithPath(path.string()), WithStreaming(false), WithRefreshRate(24h),
                  WithLogLevel(LogLevel::kWarn));
    if (!writer.Start().ready) std::abort();
    return path.string();
  }();
  return dir;
}

void BM_ColdStart10k(benchmark::State& state) {
  const std::string& dir = CacheDir();
  for (auto _ : state) {
    // Port 1 on loopback refuses at once: the server is down. The real (libcurl) transport.
    Client client(ClientOptions{.endpoint_url = "http://127.0.0.1:1"}, WithPath(dir),
                  WithStreaming(false), WithRefreshRate(24h), WithBackoff(24h, 24h),
                  WithLogLevel(LogLevel::kOff));
    const ClientStatus status = client.Start();
    if (!status.ready || status.origin != SnapshotOrigin::kCache) {
      state.SkipWithError("the client did not start from the cache");
      break;
    }
    benchmark::DoNotOptimize(client.EvaluateParameter("flag_9999").AsBool(true));
    state.PauseTiming();  // Stop and the destructor (joining the sync thread) are not part of the
                          // start
    client.Stop();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_ColdStart10k)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->ComputeStatistics("min", Min);

// The SDK's own share of a cold start: open and check the LMDB file, read the record, verify its
// SHA-256; everything but the engine's LoadSnapshot.
void BM_CacheRead10k(benchmark::State& state) {
  const std::string& dir = CacheDir();
  for (auto _ : state) {
    auto store = sdk::LmdbKvStore::Open(dir);
    if (!store) {
      state.SkipWithError(store.error().message.c_str());
      break;
    }
    auto record = (*store)->Get("snapshot:http://127.0.0.1:1");
    if (!record || !*record) {
      state.SkipWithError("no cached record");
      break;
    }
    auto cached = sdk::DecodeSnapshotRecord(**record);
    benchmark::DoNotOptimize(cached);
  }
}
BENCHMARK(BM_CacheRead10k)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->ComputeStatistics("min", Min);

// A cold start with a one-parameter snapshot: the fixed costs (threads, curl, LMDB).
void BM_ColdStartTiny(benchmark::State& state) {
  static const std::string dir = [] {
    g_tiny_cache_made = true;
    const auto path = std::filesystem::temp_directory_path() /
                      ("aurora_sdk_bench_tiny_" + std::to_string(getpid()));
    Client writer(
        ClientOptions{.endpoint_url = "http://127.0.0.1:1"},
        WithTransport(std::make_shared<FixedTransport>(
            Header() + R"("parameters":[{"name":"p","dataType":"boolean","defaultValue":true}]})")),
        WithPath(path.string()), WithStreaming(false), WithRefreshRate(24h),
        WithLogLevel(LogLevel::kWarn));
    if (!writer.Start().ready) std::abort();
    return path.string();
  }();
  for (auto _ : state) {
    Client client(ClientOptions{.endpoint_url = "http://127.0.0.1:1"}, WithPath(dir),
                  WithStreaming(false), WithRefreshRate(24h), WithBackoff(24h, 24h),
                  WithLogLevel(LogLevel::kOff));
    if (!client.Start().ready) {
      state.SkipWithError("the client did not start from the cache");
      break;
    }
    state.PauseTiming();
    client.Stop();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_ColdStartTiny)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->ComputeStatistics("min", Min);

void BM_LoadSnapshot10k(benchmark::State& state) {
  static const std::string json = Snapshot10k();
  state.counters["bytes"] = static_cast<double>(json.size());
  for (auto _ : state) benchmark::DoNotOptimize(engine::LoadSnapshot(json));
}
BENCHMARK(BM_LoadSnapshot10k)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->ComputeStatistics("min", Min);

}  // namespace
}  // namespace aurora::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (aurora::bench::g_cache_made) std::filesystem::remove_all(aurora::bench::CacheDir());
  if (aurora::bench::g_tiny_cache_made) {
    std::filesystem::remove_all(std::filesystem::temp_directory_path() /
                                ("aurora_sdk_bench_tiny_" + std::to_string(getpid())));
  }
  return 0;
}
