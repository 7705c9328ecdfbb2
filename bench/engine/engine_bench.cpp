// Engine evaluation benchmarks (docs/benchmarks.md). One evaluation per iteration: a random
// flag for a random user out of 10 000 prebuilt users.
//   W1: 100 boolean flags, each with one `country in [US, CA, GB]` rule.
//   W2: 100 flags with `age >= 18` and a 50 % rollout on user_id.
//   W3: 20 running experiments of 3 variants (33/33/34), each gated by a one-condition segment.

#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "engine/compiled_snapshot.hpp"
#include "engine/evaluator.hpp"
#include "bench/engine/workloads.hpp"

namespace aurora::bench {
namespace {

struct Fixture {
  std::shared_ptr<const engine::CompiledSnapshot> snapshot;
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
  for (int i = 0; i < flag_count; ++i) f.flags.push_back(FlagName(i));
  f.users = Users(std::getenv("AURORA_BENCH_USERS") ? std::atoi(std::getenv("AURORA_BENCH_USERS")) : 10000);
  std::mt19937 rng(42);
  std::uniform_int_distribution<std::uint32_t> flag(0, flag_count - 1), user(0, static_cast<std::uint32_t>(f.users.size() - 1));
  f.picks.resize(1 << 16);
  for (auto& p : f.picks) p = {flag(rng), user(rng)};
  return f;
}

void Run(benchmark::State& state, const Fixture& f) {
  const engine::Timestamp now = *engine::ParseRfc3339("2026-06-01T00:00:00Z");
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    const auto& [flag, user] = f.picks[i++ & (f.picks.size() - 1)];
    const Evaluation e = engine::Evaluate(*f.snapshot, f.flags[flag], f.users[user], now);
    benchmark::DoNotOptimize(e.value);
  }
  state.SetItemsProcessed(state.iterations());
}

const Fixture& W1() { static const Fixture f = Make(W1Snapshot(), 100); return f; }
const Fixture& W2() { static const Fixture f = Make(W2Snapshot(), 100); return f; }
const Fixture& W3() { static const Fixture f = Make(W3Snapshot(), 20); return f; }

void BM_W1(benchmark::State& state) { Run(state, W1()); }
void BM_W2(benchmark::State& state) { Run(state, W2()); }
void BM_W3(benchmark::State& state) { Run(state, W3()); }

BENCHMARK(BM_W1)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_W2)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_W3)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace aurora::bench

BENCHMARK_MAIN();
