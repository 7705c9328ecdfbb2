#include "sdk/exposure_dedup.hpp"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace aurora::sdk {
namespace {

TEST(ExposureDeduplicatorTest, ReportsAPairOnlyTheFirstTime) {
  ExposureDeduplicator dedup(100);
  EXPECT_TRUE(dedup.FirstTime("user_1", 7));
  EXPECT_FALSE(dedup.FirstTime("user_1", 7));
  EXPECT_TRUE(dedup.FirstTime("user_1", 8));
  EXPECT_TRUE(dedup.FirstTime("user_2", 7));
  EXPECT_FALSE(dedup.FirstTime("user_2", 7));
}

TEST(ExposureDeduplicatorTest, KeysSeparateUserAndExperiment) {
  // "1" + ":" + "2:x" and "12" + ":" + "x" must not collide by construction.
  EXPECT_NE(ExposureDeduplicator::Key("2:x", 1), ExposureDeduplicator::Key("x", 12));
  EXPECT_NE(ExposureDeduplicator::Key("", 1), ExposureDeduplicator::Key("", 2));
}

TEST(ExposureDeduplicatorTest, RemembersTheMostRecentHalfOfItsCapacityAndNeverMore) {
  constexpr int kCapacity = 1000;
  ExposureDeduplicator dedup(kCapacity);
  for (int i = 0; i < 10 * kCapacity; ++i) ASSERT_TRUE(dedup.FirstTime("u" + std::to_string(i), 1));
  // The last capacity/2 users are remembered.
  for (int i = 10 * kCapacity - kCapacity / 2; i < 10 * kCapacity; ++i) {
    EXPECT_FALSE(dedup.FirstTime("u" + std::to_string(i), 1)) << i;
  }
  // Old ones were forgotten: the set is bounded.
  int forgotten = 0;
  for (int i = 0; i < kCapacity; ++i)
    forgotten += dedup.FirstTime("u" + std::to_string(i), 1) ? 1 : 0;
  EXPECT_EQ(forgotten, kCapacity);
}

TEST(ExposureDeduplicatorTest, AReseenPairStaysRemembered) {
  ExposureDeduplicator dedup(10);
  EXPECT_TRUE(dedup.FirstTime("hot", 1));
  for (int round = 0; round < 100; ++round) {
    EXPECT_FALSE(dedup.FirstTime("hot", 1)) << round;
    EXPECT_TRUE(dedup.FirstTime("cold" + std::to_string(round), 1));
  }
}

TEST(ExposureDeduplicatorTest, ConcurrentCallersReportEachPairExactlyOnce) {
  ExposureDeduplicator dedup(100'000);
  std::atomic<int> firsts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) firsts += dedup.FirstTime("u" + std::to_string(i), 3) ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(firsts.load(), 2000);
}

}  // namespace
}  // namespace aurora::sdk
