// docs/sdk.md's allocation promise: Client::EvaluateParameter (and destroying its result)
// allocates nothing, hooks and exposure deduplication included; only what the caller asks for
// allocates (AsString/AsJson copies). This binary's global operator new counts calls while a
// test arms it (the technique of tests/engine/allocation_test.cpp).

#include <atomic>
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>

#include "aurora/aurora.hpp"

#include "engine/codec/evaluation_codec.hpp"
#include "sdk/sdk_test_support.hpp"
#include "support/evaluation_cases.hpp"
#include "support/fake_transport.hpp"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  if (g_counting.load(std::memory_order_relaxed))
    g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace aurora::testing {
namespace {

using namespace std::chrono_literals;

long CountAllocations(const std::function<void()>& work) {
  g_allocations = 0;
  g_counting = true;
  work();
  g_counting = false;
  return g_allocations.load();
}

class CountingSink : public ExposureSink {
 public:
  void OnExposure(std::string_view, std::int64_t, std::int64_t, std::string_view) override {
    ++count;
  }
  std::atomic<int> count{0};
};

TEST(SdkAllocationTest, TheCounterSeesAllocations) {
  const long n = CountAllocations([] {
    auto* s = new std::string(100, 'x');
    delete s;
  });
  EXPECT_GE(n, 1);
}

TEST(SdkAllocationTest, EvaluatingEveryTestdataCaseThroughTheClientAllocatesNothing) {
  std::size_t evaluated = 0;
  for (const auto& file : EvaluationCaseFiles()) {
    const nlohmann::json doc = ReadJsonFile(file);
    auto transport = std::make_shared<FakeTransport>();
    transport->ServeSnapshot(doc.at("snapshot").dump(), 1);
    std::atomic<long> hook_calls{0};
    auto sink = std::make_shared<CountingSink>();
    std::atomic<std::int64_t> now_us{0};
    Client client(
        ClientOptions{.endpoint_url = "http://alloc.test"}, WithTransport(transport),
        WithInMemoryOnly(true), WithStreaming(false), WithRefreshRate(1h),
        WithLogLevel(LogLevel::kOff),
        WithOnEvaluate([&](Source, std::string_view, const Attributes&, const Value*,
                           const ClientError*) { ++hook_calls; }),
        WithExposureSink(sink), WithClock([&] {
          return std::chrono::system_clock::time_point(std::chrono::microseconds(now_us.load()));
        }));
    ASSERT_TRUE(client.Start().ready) << file;
    for (const auto& c : doc.at("cases")) {
      auto attributes_or =
          engine::AttributesFromJson(c.value("attributes", nlohmann::json::object()));
      ASSERT_TRUE(attributes_or);
      const Attributes& attributes = *attributes_or;
      const std::string parameter = c.at("parameter").get<std::string>();
      now_us = CaseTime(c).time_since_epoch().count();
      // Warm once: RE2 builds its DFA lazily (docs/architecture.md).
      (void)client.EvaluateParameter(parameter, attributes);
      const long n = CountAllocations([&] {
        for (int i = 0; i < 3; ++i) {
          const EvaluationResult r = client.EvaluateParameter(parameter, attributes);
          (void)r.AsInt(0);
          (void)r.AsDouble(0);
          (void)r.AsBool(false);
          (void)r.StringView();
          (void)r.Value();
          const EvaluationResult copy = r;  // copies share the snapshot: no allocation either
          (void)copy.Source();
        }
      });
      EXPECT_EQ(n, 0) << file.filename() << ": " << c.at("name");
      ++evaluated;
    }
    EXPECT_GT(hook_calls.load(), 0);
  }
  EXPECT_GE(evaluated, 100u);
}

TEST(SdkAllocationTest, NotReadyAndUnknownParameterAllocateNothing) {
  auto transport = std::make_shared<FakeTransport>();
  transport->Fail("down");
  Client client(ClientOptions{.endpoint_url = "http://alloc.test"}, WithTransport(transport),
                WithInMemoryOnly(true), WithStreaming(false), WithRefreshRate(1h),
                WithLogLevel(LogLevel::kOff), WithTimeout(200ms));
  (void)client.Start();
  const Attributes attributes = Attributes().SetString("user_id", "u");
  EXPECT_EQ(CountAllocations([&] {
              EXPECT_EQ(client.EvaluateParameter("x", attributes).Error().kind(),
                        ErrorKind::kNotReady);
            }),
            0);
  transport->ServeSnapshot(SnapshotJson(1), 1);
  client.Refresh();
  ASSERT_TRUE(WaitUntil([&] { return client.Status().ready; }));
  EXPECT_EQ(CountAllocations([&] {
              EXPECT_EQ(client.EvaluateParameter("nope", attributes).Error().kind(),
                        ErrorKind::kParameterNotFound);
            }),
            0);
}

TEST(SdkAllocationTest, OnlyTheCopiesTheCallerAsksForAllocate) {
  auto transport = std::make_shared<FakeTransport>();
  transport->ServeSnapshot(SnapshotJson(1), 1);
  Client client(ClientOptions{.endpoint_url = "http://alloc.test"}, WithTransport(transport),
                WithInMemoryOnly(true), WithStreaming(false), WithRefreshRate(1h),
                WithLogLevel(LogLevel::kOff));
  ASSERT_TRUE(client.Start().ready);
  const EvaluationResult r = client.EvaluateParameter("long_text");
  EXPECT_EQ(CountAllocations([&] { (void)r.AsString(""); }), 1);  // the 200-byte copy
  EXPECT_EQ(CountAllocations([&] { (void)r.StringView(); }), 0);
  EXPECT_EQ(CountAllocations(
                [&] { (void)client.EvaluateParameter("welcome_message").AsString("fallback"); }),
            0)
      << "short strings fit the small-string buffer";
}

}  // namespace
}  // namespace aurora::testing
