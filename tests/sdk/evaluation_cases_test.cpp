// The engine's evaluation case files (tests/engine/testdata/, SPEC §3) run through the SDK:
// served by a fake server, evaluated by Client at each case's time, compared exactly as the
// engine's own test compares. Engine and SDK cannot drift. Also: every snapshot the engine
// refuses is refused by the SDK's sync as well.

#include "support/evaluation_cases.hpp"

#include <atomic>

#include <gtest/gtest.h>

#include "aurora/aurora.hpp"

#include "engine/codec/evaluation_codec.hpp"
#include "sdk/sdk_test_support.hpp"
#include "support/fake_transport.hpp"

namespace aurora::testing {
namespace {

using namespace std::chrono_literals;

TEST(SdkEvaluationCasesTest, EveryCaseFileEvaluatesThroughTheClientAsThroughTheEngine) {
  const auto files = EvaluationCaseFiles();
  ASSERT_GE(files.size(), 8u);
  std::size_t total = 0;
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    const nlohmann::json doc = ReadJsonFile(file);
    auto transport = std::make_shared<FakeTransport>();
    transport->ServeSnapshot(doc.at("snapshot").dump(),
                             doc.at("snapshot").value("revision", std::int64_t{0}));
    std::atomic<std::int64_t> now_us{0};
    LogCollector logs;
    Client client(
        ClientOptions{.endpoint_url = "http://cases.test"}, WithTransport(transport),
        WithInMemoryOnly(true), WithStreaming(false), WithRefreshRate(1h), WithLogSink(logs.Sink()),
        WithClock([&] {
          return std::chrono::system_clock::time_point(std::chrono::microseconds(now_us.load()));
        }));
    ASSERT_TRUE(client.Start().ready) << logs.All();
    for (const auto& c : doc.at("cases")) {
      SCOPED_TRACE(c.at("name").get<std::string>());
      auto attributes = engine::AttributesFromJson(c.value("attributes", nlohmann::json::object()));
      ASSERT_TRUE(attributes);
      now_us = CaseTime(c).time_since_epoch().count();
      const std::string parameter = c.at("parameter").get<std::string>();
      const EvaluationResult r = client.EvaluateParameter(parameter, *attributes);
      const auto got = ComparableResult(
          nlohmann::json::parse(engine::EvaluationToJsonText(parameter, r.evaluation())));
      EXPECT_EQ(got, c.at("expect"));
      // The SDK's own accessors agree with the engine's view.
      if (c.at("expect").contains("error")) {
        EXPECT_EQ(r.Error().kind(), ErrorKind::kParameterNotFound);
      } else {
        ASSERT_FALSE(r.HasError());
        EXPECT_EQ(nlohmann::json::parse(r.AsJson("")), c.at("expect").at("value"));
        EXPECT_EQ(SourceName(r.Source()), c.at("expect").at("source").get<std::string>());
        EXPECT_EQ(ReasonName(r.Reason()), c.at("expect").at("reason").get<std::string>());
        if (r.Source() == Source::kExperiment) {
          EXPECT_EQ(r.ExperimentId(), c.at("expect").at("experimentId").get<std::int64_t>());
          EXPECT_EQ(r.VariantId(), c.at("expect").at("variantId").get<std::int64_t>());
        }
        if (r.Source() == Source::kRule) {
          EXPECT_EQ(r.RuleId(), c.at("expect").at("ruleId").get<std::string>());
        }
      }
      ++total;
    }
  }
  EXPECT_GE(total, 100u);
}

TEST(SdkEvaluationCasesTest, EverySnapshotTheEngineRefusesTheSyncRefusesAndKeepsTheGoodOne) {
  const nlohmann::json invalid = ReadJsonFile(TestdataDir() / "invalid_snapshots.json");
  ASSERT_GE(invalid.size(), 10u);
  auto transport = std::make_shared<FakeTransport>();
  transport->ServeSnapshot(SnapshotJson(1, "good"), 1);
  LogCollector logs;
  Client client(ClientOptions{.endpoint_url = "http://cases.test"}, WithTransport(transport),
                WithInMemoryOnly(true), WithStreaming(false), WithRefreshRate(1h),
                WithLogSink(logs.Sink()));
  ASSERT_TRUE(client.Start().ready);
  int gets = transport->gets();
  for (const auto& c : invalid) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    nlohmann::json snapshot = c.at("snapshot");
    // Newer than the one in use, so only its defect can stop it (unless the defect is the
    // revision).
    if (snapshot.is_object() && c.at("path") != "revision") snapshot["revision"] = 1000;
    transport->Respond(200, snapshot.dump());
    client.Refresh();
    ASSERT_TRUE(transport->WaitForGets(++gets));
    ASSERT_TRUE(WaitUntil([&] {
      return client.Status().error.kind() == ErrorKind::kConfiguration;
    })) << ErrorKindName(client.Status().error.kind())
        << ": " << client.Status().error.message();
    EXPECT_EQ(client.Status().revision, 1);
    EXPECT_EQ(client.EvaluateParameter("welcome_message").AsString(""), "good");
    // Back to a good answer, so the next case's error is its own.
    transport->ServeSnapshot(SnapshotJson(1, "good"), 1);
    client.Refresh();
    ASSERT_TRUE(transport->WaitForGets(++gets));
    ASSERT_TRUE(WaitUntil([&] { return client.Status().error.kind() == ErrorKind::kNone; }));
  }
}

}  // namespace
}  // namespace aurora::testing
