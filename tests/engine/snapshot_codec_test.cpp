#include "engine/codec/snapshot_codec.hpp"

#include <gtest/gtest.h>

#include "engine/compiled_snapshot.hpp"
#include "support/evaluation_cases.hpp"

namespace aurora::engine {
namespace {

constexpr const char* kSpecExample = R"({"formatVersion": 1, "revision": 42, "generatedAt": "2026-11-27T21:00:00Z",
 "attributes":  [{"name": "country", "dataType": "string", "enumOptions": []},
                 {"name": "user_id", "dataType": "string", "enumOptions": []}],
 "segments":    [{"id": 3, "name": "US users", "rules": [{"conditions": [{"attribute": "country", "operator": "in", "value": ["US"]}]}]}],
 "parameters":  [{"name": "welcome_message", "dataType": "string", "enabled": true, "defaultValue": "Hello",
                  "rules": [{"id": "r1", "type": "segment", "segmentId": 3, "matchType": "match", "value": "Hi US",
                             "rollout": {"percentage": 50, "hashAttribute": "user_id"}}]},
                 {"name": "hero_title", "dataType": "string", "enabled": true, "defaultValue": "Welcome", "rules": []}],
 "experiments": [{"id": 7, "uuid": "b7fb8970-3fe7-49a7-9b3a-f670a7ae7641", "name": "Hero test", "status": "running",
                  "startDate": null, "endDate": null, "hashAttribute": "user_id", "populationSize": 100, "segmentId": null,
                  "variants": [{"id": 1, "name": "Control", "trafficAllocation": 50, "parameters": {"hero_title": "Welcome"}},
                               {"id": 2, "name": "Variant A", "trafficAllocation": 50, "parameters": {"hero_title": "Discover"}}]}]})";

TEST(SnapshotCodecTest, DecodesTheSpecExample) {
  auto s = DecodeSnapshot(kSpecExample);
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->revision, 42);
  ASSERT_EQ(s->parameters.size(), 2u);
  ASSERT_TRUE(s->parameters[0].rules[0].rollout);
  EXPECT_EQ(s->parameters[0].rules[0].rollout->percentage, 5000);
  EXPECT_EQ(s->experiments[0].variants[1].traffic_allocation, 5000);
  EXPECT_TRUE(CompileSnapshot(*s));
}

TEST(SnapshotCodecTest, EncodingThenDecodingGivesTheSameDocument) {
  auto s = DecodeSnapshot(kSpecExample);
  ASSERT_TRUE(s);
  const std::string once = EncodeSnapshot(*s);
  auto again = DecodeSnapshot(once);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(EncodeSnapshot(*again), once);
  EXPECT_EQ(nlohmann::json::parse(once), nlohmann::json::parse(kSpecExample));
}

TEST(SnapshotCodecTest, EveryTestdataSnapshotRoundTrips) {
  for (const auto& file : testing::EvaluationCaseFiles()) {
    SCOPED_TRACE(file.filename().string());
    const auto doc = testing::ReadJsonFile(file);
    auto s = DecodeSnapshot(doc.at("snapshot").dump());
    ASSERT_TRUE(s) << s.error().ToString();
    auto again = DecodeSnapshot(EncodeSnapshot(*s));
    ASSERT_TRUE(again) << again.error().ToString();
    EXPECT_EQ(EncodeSnapshot(*again), EncodeSnapshot(*s));
    EXPECT_TRUE(CompileSnapshot(*again));
  }
}

TEST(SnapshotCodecTest, KeepsTwoDecimalPercentagesExactly) {
  std::string text = kSpecExample;
  text.replace(text.find("\"percentage\": 50"), 16, "\"percentage\": 0.29");
  auto s = DecodeSnapshot(text);
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->parameters[0].rules[0].rollout->percentage, 29);
  EXPECT_NE(EncodeSnapshot(*s).find("\"percentage\":0.29"), std::string::npos);
}

TEST(SnapshotCodecTest, RefusesEveryInvalidSnapshotNamingItsPath) {
  const auto cases = testing::ReadJsonFile(testing::TestdataDir() / "invalid_snapshots.json");
  ASSERT_GE(cases.size(), 20u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    auto loaded = LoadSnapshot(c.at("snapshot").dump());
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(loaded.error().field, c.at("path").get<std::string>()) << loaded.error().message;
    EXPECT_FALSE(loaded.error().message.empty());
    if (c.contains("message")) {  // optional: a text the message must contain
      EXPECT_NE(loaded.error().message.find(c.at("message").get<std::string>()), std::string::npos)
          << loaded.error().message;
    }
  }
}

TEST(SnapshotCodecTest, RefusesInvalidUnicodeTexts) {
  const auto cases = testing::ReadJsonFile(testing::TestdataDir() / "invalid_texts.json");
  ASSERT_GE(cases.size(), 1u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    EXPECT_FALSE(LoadSnapshot(c.at("text").get<std::string>()));
  }
  // Invalid UTF-8 bytes in a string value, a key and a regex.
  std::string text = kSpecExample;
  for (const std::string bad : {"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"}) {
    std::string t = text;
    t.replace(t.find("Hi US"), 2, bad);
    EXPECT_FALSE(LoadSnapshot(t));
  }
}

TEST(SnapshotCodecTest, TheErrorMessageNamesThePath) {
  std::string text = kSpecExample;
  text.replace(text.find("\"value\": [\"US\"]"), 15, "\"value\": \"US\"");
  auto loaded = LoadSnapshot(text);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().ToString(), "segments[0].rules[0].conditions[0].value: operator in needs an array");
}

TEST(SnapshotCodecTest, RefusesAnUnknownFormatVersionClearly) {
  std::string text = kSpecExample;
  text.replace(text.find("\"formatVersion\": 1"), 18, "\"formatVersion\": 2");
  auto loaded = LoadSnapshot(text);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().field, "formatVersion");
  EXPECT_NE(loaded.error().message.find("unsupported"), std::string::npos);
}

TEST(SnapshotCodecTest, IgnoresUnknownFieldsForForwardCompatibility) {
  std::string text = kSpecExample;
  text.replace(text.find("\"revision\": 42"), 14, "\"revision\": 42, \"futureField\": {\"x\": 1}");
  EXPECT_TRUE(LoadSnapshot(text));
}

TEST(SnapshotCodecTest, NeverCrashesOnTruncatedDocuments) {
  const std::string text = kSpecExample;
  for (std::size_t n = 0; n < text.size(); ++n) {
    auto loaded = LoadSnapshot(std::string_view(text).substr(0, n));
    EXPECT_FALSE(loaded) << n;
  }
}

}  // namespace
}  // namespace aurora::engine
