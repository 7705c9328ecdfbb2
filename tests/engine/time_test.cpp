#include "engine/time.hpp"

#include <gtest/gtest.h>

namespace aurora::engine {
namespace {

using std::chrono::microseconds;

TEST(TimeTest, ParsesUtcAndOffsetsToTheSameInstant) {
  const auto a = ParseRfc3339("2026-11-27T21:00:00Z");
  const auto b = ParseRfc3339("2026-11-27T23:00:00+02:00");
  const auto c = ParseRfc3339("2026-11-27t20:30:00-00:30");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(*a, *c);
  EXPECT_EQ(FormatRfc3339(*a), "2026-11-27T21:00:00Z");
}

TEST(TimeTest, KeepsFractionalSecondsToTheMicrosecond) {
  const auto t = ParseRfc3339("2026-01-02T03:04:05.123456789Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->time_since_epoch().count() % 1'000'000, 123456);
  EXPECT_EQ(FormatRfc3339(*t), "2026-01-02T03:04:05.123456Z");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2026-01-02T03:04:05.5Z")), "2026-01-02T03:04:05.5Z");
}

TEST(TimeTest, RefusesMalformedDates) {
  for (std::string_view bad : {"2026-11-27", "2026-11-27T21:00:00", "2026-02-30T00:00:00Z",
                               "2026-13-01T00:00:00Z", "2026-11-27T24:00:00Z", "2026-11-27T21:00:00.Z",
                               "2026-11-27T21:00:00+2:00", "2026-11-27 21:00:00Z", "x026-11-27T21:00:00Z",
                               "2026-11-27T21:00:00Zjunk", ""}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

TEST(TimeTest, HandlesLeapDays) {
  EXPECT_TRUE(ParseRfc3339("2024-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(ParseRfc3339("2025-02-29T00:00:00Z").has_value());
}

}  // namespace
}  // namespace aurora::engine
