#include "stats/multiple_comparisons.hpp"

#include <vector>

#include <gtest/gtest.h>

#include "stats/distributions.hpp"

namespace aurora::stats {
namespace {

TEST(MultipleComparisonsTest, HolmMultipliesByRemainingCountAndStaysMonotone) {
  const std::vector<double> p = {0.01, 0.04, 0.03};
  const auto adjusted = AdjustPValuesHolmBonferroni(p);
  ASSERT_EQ(adjusted.size(), 3u);
  EXPECT_DOUBLE_EQ(adjusted[0], 0.03);
  EXPECT_DOUBLE_EQ(adjusted[1], 0.06);  // 0.04·1, raised to 0.03·2
  EXPECT_DOUBLE_EQ(adjusted[2], 0.06);
  EXPECT_EQ(AdjustPValuesHolmBonferroni(std::vector<double>{0.6, 0.7})[0], 1.0);
}

TEST(MultipleComparisonsTest, BenjaminiHochbergScalesByRankAndStaysMonotone) {
  const std::vector<double> p = {0.01, 0.04, 0.03};
  const auto adjusted = AdjustPValuesBenjaminiHochberg(p);
  ASSERT_EQ(adjusted.size(), 3u);
  EXPECT_DOUBLE_EQ(adjusted[0], 0.03);
  EXPECT_DOUBLE_EQ(adjusted[1], 0.04);
  EXPECT_DOUBLE_EQ(adjusted[2], 0.04);  // 0.03·3/2 = 0.045, lowered to 0.04
}

TEST(MultipleComparisonsTest, AdjustedIntervalWithTheUnadjustedPValueIsTheNormalInterval) {
  const double lift = 1, se = 0.5;
  const double p = 2 * (1 - NormalCdf(lift / se));
  const auto ci = AdjustedConfidenceInterval(lift, p, 0.05);
  EXPECT_NEAR(ci[0], lift - 1.959963984540054 * se, 1e-12);
  EXPECT_NEAR(ci[1], lift + 1.959963984540054 * se, 1e-12);
  const auto wider = AdjustedConfidenceInterval(lift, 2 * p, 0.05);
  EXPECT_LT(wider[0], ci[0]);
}

}  // namespace
}  // namespace aurora::stats
