#include "sdk/sync/backoff.hpp"

#include <gtest/gtest.h>

namespace aurora::sdk {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, DoublesFromTheInitialDelayUpToTheCap) {
  // random01 = 1 gives the full (unjittered) delay; 0 gives its fixed half.
  EXPECT_EQ(BackoffDelay(1, milliseconds(100), milliseconds(1000), 0.999999), milliseconds(99));
  EXPECT_EQ(BackoffDelay(1, milliseconds(100), milliseconds(1000), 1.0), milliseconds(100));
  EXPECT_EQ(BackoffDelay(2, milliseconds(100), milliseconds(1000), 1.0), milliseconds(200));
  EXPECT_EQ(BackoffDelay(4, milliseconds(100), milliseconds(1000), 1.0), milliseconds(800));
  EXPECT_EQ(BackoffDelay(5, milliseconds(100), milliseconds(1000), 1.0), milliseconds(1000));
  EXPECT_EQ(BackoffDelay(1000, milliseconds(100), milliseconds(1000), 1.0), milliseconds(1000));
}

TEST(BackoffTest, JitterKeepsAtLeastHalfTheDelay) {
  for (int failures = 1; failures < 10; ++failures) {
    for (double r : {0.0, 0.25, 0.5, 0.75, 0.99}) {
      const auto full = BackoffDelay(failures, milliseconds(100), milliseconds(5000), 1.0);
      const auto d = BackoffDelay(failures, milliseconds(100), milliseconds(5000), r);
      EXPECT_GE(d, full / 2);
      EXPECT_LE(d, full);
    }
  }
  EXPECT_EQ(BackoffDelay(3, milliseconds(100), milliseconds(5000), 0.0), milliseconds(200));
}

TEST(BackoffTest, OddInputsStillGiveAPositiveBoundedDelay) {
  EXPECT_GE(BackoffDelay(0, milliseconds(0), milliseconds(0), 0.5), milliseconds(0));
  EXPECT_LE(BackoffDelay(1, milliseconds(0), milliseconds(0), 0.5), milliseconds(1));
  EXPECT_EQ(BackoffDelay(3, milliseconds(500), milliseconds(100), 1.0),
            milliseconds(500));  // cap below initial
  EXPECT_EQ(BackoffDelay(2, milliseconds(100), milliseconds(1000), 7.0),
            milliseconds(200));  // random clamped
}

}  // namespace
}  // namespace aurora::sdk
