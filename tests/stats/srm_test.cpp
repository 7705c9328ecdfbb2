#include "stats/srm.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace aurora::stats {
namespace {

double Srm(std::vector<std::int64_t> observed, std::vector<double> weights) {
  return SrmPValue(observed, weights);
}

TEST(SrmTest, EqualCountsOnEqualWeightsHavePValueOne) {
  EXPECT_EQ(Srm({5000, 5000}, {0.5, 0.5}), 1.0);
  EXPECT_EQ(Srm({100, 100, 200}, {1, 1, 2}), 1.0);
}

TEST(SrmTest, TwoArmsFollowTheChiSquareWithOneDegreeOfFreedom) {
  // 5200/4800: T = 16, and Q_χ²(16; 1) = erfc(√8).
  EXPECT_NEAR(Srm({5200, 4800}, {0.5, 0.5}) / std::erfc(std::sqrt(8.0)), 1.0, 1e-12);
}

TEST(SrmTest, ZeroWeightVariantsLeaveTheSumButKeepTheirDegreeOfFreedom) {
  // e = 55 for both weighted arms (110 users in all); T = (15² + 5²)/55 on 2 degrees of freedom.
  EXPECT_NEAR(Srm({40, 60, 10}, {1, 1, 0}), std::exp(-(250.0 / 55) / 2), 1e-15);
}

TEST(SrmTest, NoUsersGivesOneAndOneVariantGivesNaN) {
  EXPECT_EQ(Srm({0, 0}, {0.5, 0.5}), 1.0);
  EXPECT_TRUE(std::isnan(Srm({10}, {1})));
  EXPECT_TRUE(std::isnan(Srm({10, 20}, {1})));
}

TEST(SrmTest, ThresholdIsGrowthBooksDefault) { EXPECT_EQ(kSrmThreshold, 0.001); }

}  // namespace
}  // namespace aurora::stats
