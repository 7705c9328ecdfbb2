#include "engine/bucketing.hpp"

#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <string>

#include "engine/codec/json.hpp"
#include "support/testdata.hpp"

namespace aurora::engine {
namespace {

const std::filesystem::path kTestdata = AURORA_TESTDATA_DIR;

std::string Hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

TEST(BucketingTest, MatchesTheSpecReferenceValues) {
  EXPECT_EQ(HashH1("hello"), 0xcbd8a7b341bd9b02ULL);
  EXPECT_EQ(HashH1("hello, world"), 0x342fac623a5ebc8eULL);
  EXPECT_EQ(Bucket("experiment:population:b7fb8970-3fe7-49a7-9b3a-f670a7ae7641:user_12345"), 5344u);
  EXPECT_EQ(Bucket("experiment:hash:b7fb8970-3fe7-49a7-9b3a-f670a7ae7641:user_12345"), 2530u);
}

TEST(BucketingTest, MatchesEveryReferenceCaseInTestdata) {
  const auto cases = testing::ReadJsonFile(kTestdata / "hash_cases.json");
  ASSERT_GE(cases.size(), 10u);
  for (const auto& c : cases) {
    const std::string key = c.at("key").get<std::string>();
    SCOPED_TRACE(key);
    EXPECT_EQ(Hex(HashH1(key)), c.at("h1").get<std::string>());
    EXPECT_EQ(Bucket(key), c.at("bucket").get<std::uint32_t>());
  }
}

TEST(BucketingTest, FeedingInPiecesEqualsFeedingAtOnce) {
  std::string key;
  for (int i = 0; i < 70; ++i) key += static_cast<char>('a' + i % 26);
  for (std::size_t len = 0; len <= key.size(); ++len) {
    const std::string_view whole(key.data(), len);
    for (std::size_t split = 0; split <= len; ++split) {
      Murmur3 m;
      m.Update(whole.substr(0, split));
      m.Update(whole.substr(split));
      ASSERT_EQ(m.H1(), HashH1(whole)) << "len " << len << " split " << split;
    }
  }
}

TEST(BucketingTest, ReadingH1LeavesTheStateUntouched) {
  Murmur3 m;
  m.Update("parameter:rollout:");
  const std::uint64_t first = m.H1();
  EXPECT_EQ(m.H1(), first);
  m.Update("x");
  EXPECT_EQ(m.H1(), HashH1("parameter:rollout:x"));
}

TEST(BucketingTest, NumberToTextFollowsTheSpecRule) {
  // Read with the engine's parser: it keeps -0 a negative double, as SPEC §3 requires.
  auto parsed = ParseJson(testing::ReadFile(kTestdata / "number_text_cases.json"));
  ASSERT_TRUE(parsed);
  const nlohmann::json& cases = *parsed;
  ASSERT_GE(cases.size(), 7u);
  for (const auto& c : cases) {
    const double number = c.at("number").get<double>();
    SCOPED_TRACE(c.at("text").get<std::string>());
    char buf[kNumberTextMax];
    const std::size_t n = FormatNumberForHash(number, buf);
    EXPECT_EQ(std::string(buf, n), c.at("text").get<std::string>());
  }
}

TEST(BucketingTest, NumberToTextOfTheSpecExamples) {
  const std::pair<double, const char*> cases[] = {
      {123456, "123456"}, {1000000, "1e+06"}, {1234567, "1.234567e+06"}, {0.5, "0.5"},
      {0.00001, "1e-05"}, {-2, "-2"},          {-0.0, "-0"}};
  for (const auto& [number, text] : cases) {
    char buf[kNumberTextMax];
    EXPECT_EQ(std::string(buf, FormatNumberForHash(number, buf)), text);
  }
}

TEST(BucketingTest, NonFiniteNumbersHaveNoText) {
  char buf[kNumberTextMax];
  EXPECT_EQ(FormatNumberForHash(std::numeric_limits<double>::infinity(), buf), 0u);
  EXPECT_EQ(FormatNumberForHash(std::numeric_limits<double>::quiet_NaN(), buf), 0u);
}

TEST(BucketingTest, BucketsSpreadEvenlyOverTenThousandKeys) {
  // 100 000 keys into 10 deciles: each decile within 3 % of 10 000 (a broken mixer fails).
  int deciles[10] = {};
  for (int i = 0; i < 100'000; ++i) ++deciles[Bucket("spread:" + std::to_string(i)) / 1000];
  for (int count : deciles) {
    EXPECT_GT(count, 9'700);
    EXPECT_LT(count, 10'300);
  }
}

}  // namespace
}  // namespace aurora::engine
