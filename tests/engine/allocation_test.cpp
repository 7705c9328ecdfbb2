// Proves SPEC §3's hot-path promise: evaluating from a loaded snapshot allocates nothing.
// The binary's global operator new counts calls while a test arms it.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "engine/codec/evaluation_codec.hpp"
#include "engine/compiled_snapshot.hpp"
#include "engine/evaluator.hpp"
#include "support/evaluation_cases.hpp"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace aurora::engine {
namespace {

long CountAllocations(const std::function<void()>& work) {
  g_allocations = 0;
  g_counting = true;
  work();
  g_counting = false;
  return g_allocations.load();
}

TEST(AllocationTest, TheCounterSeesAllocations) {
  // Guards the guard: if counting were broken the zero below would prove nothing.
  const long n = CountAllocations([] {
    auto* s = new std::string(100, 'x');
    delete s;
  });
  EXPECT_GE(n, 1);
}

TEST(AllocationTest, EvaluatingEveryTestdataCaseAllocatesNothing) {
  std::size_t evaluated = 0;
  for (const auto& file : testing::EvaluationCaseFiles()) {
    const nlohmann::json doc = testing::ReadJsonFile(file);
    auto snapshot = LoadSnapshot(doc.at("snapshot").dump());
    ASSERT_TRUE(snapshot) << file;
    for (const auto& c : doc.at("cases")) {
      auto attributes_or = AttributesFromJson(c.value("attributes", nlohmann::json::object()));
      ASSERT_TRUE(attributes_or);
      const Attributes& attributes = *attributes_or;
      const std::string parameter = c.at("parameter").get<std::string>();
      const Timestamp now = testing::CaseTime(c);
      // Warm once: RE2 builds its DFA lazily on first use of a pattern (see docs/architecture.md).
      (void)Evaluate(**snapshot, parameter, attributes, now);
      const long n = CountAllocations([&] {
        for (int i = 0; i < 3; ++i) (void)Evaluate(**snapshot, parameter, attributes, now);
      });
      EXPECT_EQ(n, 0) << file.filename() << ": " << c.at("name");
      ++evaluated;
    }
  }
  EXPECT_GE(evaluated, 100u);
}

}  // namespace
}  // namespace aurora::engine
