// Properties of evaluation that single cases cannot show: distributions, monotonic rollouts.

#include "engine/evaluator.hpp"

#include <gtest/gtest.h>

#include <set>

#include "engine/bucketing.hpp"
#include "engine/compiled_snapshot.hpp"

namespace aurora::engine {
namespace {

const Timestamp kNow = *ParseRfc3339("2026-06-01T00:00:00Z");

std::shared_ptr<const CompiledSnapshot> Load(const std::string& text) {
  auto s = LoadSnapshot(text);
  EXPECT_TRUE(s) << s.error().ToString();
  return s ? *s : nullptr;
}

std::string RolloutSnapshot(const std::string& percentage) {
  return R"({"formatVersion":1,"revision":1,"attributes":[{"name":"user_id","dataType":"string"}],
    "parameters":[{"name":"p","dataType":"boolean","defaultValue":false,"rules":[
      {"id":"r1","type":"attribute","conditions":[],"value":true,
       "rollout":{"percentage":)" + percentage + R"(,"hashAttribute":"user_id"}}]}]})";
}

std::set<int> UsersIn(const CompiledSnapshot& s) {
  std::set<int> in;
  for (int u = 0; u < 10'000; ++u) {
    const auto attrs = Attributes().SetString("user_id", "user_" + std::to_string(u));
    if (Evaluate(s, "p", attrs, kNow).source == Source::kRule) in.insert(u);
  }
  return in;
}

TEST(EvaluatorTest, RaisingARolloutOnlyAddsUsers) {
  std::set<int> previous;
  for (const char* pct : {"0", "0.01", "1", "10", "25.5", "50", "99.99", "100"}) {
    const auto s = Load(RolloutSnapshot(pct));
    const auto in = UsersIn(*s);
    for (int u : previous) EXPECT_TRUE(in.count(u)) << "user_" << u << " left at " << pct << "%";
    const double expected = std::stod(pct) * 100;  // of 10 000 users
    EXPECT_NEAR(static_cast<double>(in.size()), expected, 3 * std::sqrt(expected + 1) + 1) << pct;
    previous = in;
  }
  EXPECT_EQ(previous.size(), 10'000u);
}

TEST(EvaluatorTest, ARolloutAtZeroPercentReachesNobody) {
  EXPECT_TRUE(UsersIn(*Load(RolloutSnapshot("0"))).empty());
}

TEST(EvaluatorTest, ThreeWaySplitFollowsItsAllocations) {
  const auto s = Load(R"({"formatVersion":1,"revision":1,"attributes":[{"name":"user_id","dataType":"string"}],
    "parameters":[{"name":"p","dataType":"string","defaultValue":"d"}],
    "experiments":[{"id":1,"uuid":"9a1c7a4e-4c8e-4a59-8f0b-2d8b8f5f0c11","status":"running","hashAttribute":"user_id",
      "variants":[{"id":11,"trafficAllocation":33.33,"parameters":{"p":"a"}},
                  {"id":12,"trafficAllocation":33.33,"parameters":{"p":"b"}},
                  {"id":13,"trafficAllocation":33.34,"parameters":{"p":"c"}}]}]})");
  std::map<std::int64_t, int> counts;
  const int n = 60'000;
  for (int u = 0; u < n; ++u) {
    const auto e = Evaluate(*s, "p", Attributes().SetString("user_id", "u" + std::to_string(u)), kNow);
    ASSERT_EQ(e.source, Source::kExperiment);
    ++counts[e.variant_id];
    // The variant is exactly the one the bucket selects.
    const auto b = Bucket("experiment:hash:9a1c7a4e-4c8e-4a59-8f0b-2d8b8f5f0c11:u" + std::to_string(u));
    const std::int64_t expected = b < 3333 ? 11 : (b < 6666 ? 12 : 13);
    ASSERT_EQ(e.variant_id, expected) << u;
  }
  for (const auto& [variant, count] : counts) EXPECT_NEAR(count, n / 3.0, n * 0.01) << variant;
}

TEST(EvaluatorTest, PopulationSizeAdmitsThatShareOfUsers) {
  const auto s = Load(R"({"formatVersion":1,"revision":1,"attributes":[{"name":"user_id","dataType":"string"}],
    "parameters":[{"name":"p","dataType":"string","defaultValue":"d"}],
    "experiments":[{"id":1,"uuid":"u-1","status":"running","hashAttribute":"user_id","populationSize":20,
      "variants":[{"id":1,"trafficAllocation":100,"parameters":{"p":"x"}}]}]})");
  int admitted = 0;
  for (int u = 0; u < 20'000; ++u) {
    const std::string id = "user" + std::to_string(u);
    const auto e = Evaluate(*s, "p", Attributes().SetString("user_id", id), kNow);
    const bool in = Bucket("experiment:population:u-1:" + id) < 2000;
    ASSERT_EQ(e.source == Source::kExperiment, in) << id;
    admitted += in;
  }
  EXPECT_NEAR(admitted, 4000, 300);
}

TEST(EvaluatorTest, HashAttributesOfEveryKindUseTheirText) {
  const auto s = Load(R"({"formatVersion":1,"revision":1,"attributes":[{"name":"k","dataType":"string"}],
    "parameters":[{"name":"p","dataType":"number","defaultValue":0,"rules":[
      {"id":"r","type":"attribute","value":1,"rollout":{"percentage":50,"hashAttribute":"k"}}]}]})");
  auto in_rollout = [&](const Attributes& a) { return Evaluate(*s, "p", a, kNow).source == Source::kRule; };
  auto expected = [](const std::string& text) { return Bucket("parameter:rollout:p:r:" + text) < 5000; };
  for (double d : {1.0, 1e6, 0.5, -2.0, 1234567.0, 0.00001}) {
    char buf[kNumberTextMax];
    const std::string text(buf, FormatNumberForHash(d, buf));
    EXPECT_EQ(in_rollout(Attributes().SetNumber("k", d)), expected(text)) << text;
    // A number and the string of its text land in the same bucket.
    EXPECT_EQ(in_rollout(Attributes().SetNumber("k", d)), in_rollout(Attributes().SetString("k", text)));
  }
  EXPECT_EQ(in_rollout(Attributes().SetBool("k", true)), expected("true"));
  EXPECT_EQ(in_rollout(Attributes().SetBool("k", false)), expected("false"));
  EXPECT_FALSE(in_rollout(Attributes().SetString("k", "")));
  EXPECT_FALSE(in_rollout(Attributes().SetOther("k")));
  EXPECT_FALSE(in_rollout(Attributes()));
}

TEST(EvaluatorTest, ExperimentsInTheDocumentInAnyOrderAreTriedByAscendingId) {
  const auto s = Load(R"({"formatVersion":1,"revision":1,"attributes":[{"name":"user_id","dataType":"string"}],
    "parameters":[{"name":"p","dataType":"string","defaultValue":"d"}],
    "experiments":[
      {"id":9,"uuid":"b","status":"running","hashAttribute":"user_id","variants":[{"id":90,"trafficAllocation":100,"parameters":{"p":"nine"}}]},
      {"id":3,"uuid":"a","status":"running","hashAttribute":"user_id","variants":[{"id":30,"trafficAllocation":100,"parameters":{"p":"three"}}]}]})");
  const auto e = Evaluate(*s, "p", Attributes().SetString("user_id", "x"), kNow);
  EXPECT_EQ(e.experiment_id, 3);
  EXPECT_EQ(e.AsString(""), "three");
}

TEST(EvaluatorTest, UnknownParameterIsAnErrorWithoutAValue) {
  const auto s = Load(RolloutSnapshot("50"));
  const auto e = Evaluate(*s, "nope", Attributes(), kNow);
  EXPECT_TRUE(e.HasError());
  EXPECT_EQ(e.error, EvaluationError::kParameterNotFound);
  EXPECT_EQ(e.value, nullptr);
  EXPECT_TRUE(e.AsBool(true));
}

}  // namespace
}  // namespace aurora::engine
