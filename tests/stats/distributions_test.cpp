#include "stats/distributions.hpp"

#include <cmath>
#include <numbers>

#include <gtest/gtest.h>

namespace aurora::stats {
namespace {

TEST(DistributionsTest, NormalQuantileGivesTheFamiliarCriticalValues) {
  EXPECT_NEAR(NormalQuantile(0.975), 1.959963984540054, 1e-15);
  EXPECT_NEAR(NormalQuantile(0.025), -1.959963984540054, 1e-15);
  EXPECT_EQ(NormalQuantile(0.5), 0.0);
  EXPECT_NEAR(NormalQuantile(0.95), 1.6448536269514722, 1e-15);
}

TEST(DistributionsTest, NormalCdfIsAccurateInTheFarTail) {
  EXPECT_EQ(NormalCdf(0), 0.5);
  // Φ(−x) = erfc(x/√2)/2, relative accuracy where 1 − Φ(x) would have none left.
  EXPECT_NEAR(NormalCdf(-10) / (0.5 * std::erfc(10 / std::numbers::sqrt2)), 1.0, 1e-14);
  EXPECT_NEAR(NormalPdf(0), 1 / std::sqrt(2 * std::numbers::pi), 1e-16);
}

TEST(DistributionsTest, StudentTMatchesClosedFormsForSmallDegreesOfFreedom) {
  // ν = 1 is the Cauchy distribution: quantile tan(π(p − 1/2)).
  EXPECT_NEAR(StudentTQuantile(0.975, 1) / std::tan(std::numbers::pi * 0.475), 1.0, 1e-14);
  // ν = 2: F(t) = 1/2 + t/(2√(2 + t²)).
  EXPECT_NEAR(StudentTCdf(1, 2), 0.5 + 1 / (2 * std::sqrt(3.0)), 1e-15);
  EXPECT_EQ(StudentTCdf(0, 7.5), 0.5);
  // A non-integer ν sits between its neighbours.
  EXPECT_GT(StudentTQuantile(0.975, 4.5), StudentTQuantile(0.975, 5));
  EXPECT_LT(StudentTQuantile(0.975, 4.5), StudentTQuantile(0.975, 4));
}

TEST(DistributionsTest, ChiSquaredSurvivalWithTwoDegreesOfFreedomIsExponential) {
  EXPECT_NEAR(ChiSquaredSurvival(2, 2), std::exp(-1.0), 1e-16);
  EXPECT_NEAR(ChiSquaredSurvival(400, 2) / std::exp(-200.0), 1.0, 1e-13);
  EXPECT_EQ(ChiSquaredSurvival(0, 3), 1.0);
}

TEST(DistributionsTest, ArgumentsOutsideTheDomainGiveNaNOrInfinityInsteadOfThrowing) {
  EXPECT_TRUE(std::isnan(StudentTCdf(1, -1)));
  EXPECT_TRUE(std::isnan(StudentTQuantile(0.5, 0)));
  EXPECT_TRUE(std::isnan(ChiSquaredSurvival(1, 0)));
  EXPECT_TRUE(std::isnan(NormalQuantile(1.5)));
  EXPECT_TRUE(std::isnan(NormalCdf(std::nan(""))));
  EXPECT_EQ(NormalQuantile(0), -HUGE_VAL);
  EXPECT_EQ(NormalQuantile(1), HUGE_VAL);
}

}  // namespace
}  // namespace aurora::stats
