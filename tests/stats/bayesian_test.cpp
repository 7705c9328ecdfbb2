#include "stats/bayesian.hpp"

#include <cmath>
#include <numbers>

#include <gtest/gtest.h>

#include "stats/distributions.hpp"

namespace aurora::stats {
namespace {

EffectMoments Moments(double estimate, double variance, double control_mean = 1) {
  EffectMoments m;
  m.estimate = estimate;
  m.variance = variance;
  m.standard_error = std::sqrt(variance);
  m.control_n = m.treatment_n = 1000;
  m.control_variance = m.treatment_variance = 1;
  m.control_mean = m.control_unadjusted_mean = control_mean;
  return m;
}

TEST(BayesianTest, FlatPriorGivesTheLikelihoodAsPosterior) {
  const auto r = RunBayesianTest(Moments(0.2, 0.01), BayesianOptions{});
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.expected, 0.2);
  EXPECT_NEAR(r.stddev, 0.1, 1e-16);
  EXPECT_NEAR(r.ci[0], 0.2 - 1.959963984540054 * 0.1, 1e-15);
  EXPECT_NEAR(r.ci[1], 0.2 + 1.959963984540054 * 0.1, 1e-15);
  EXPECT_NEAR(r.chance_to_win, NormalCdf(2), 1e-16);
}

TEST(BayesianTest, ProperPriorShrinksByPrecisionWeights) {
  BayesianOptions options;
  options.prior = {0, 0.01, true};
  const auto r = RunBayesianTest(Moments(0.2, 0.01), options);
  EXPECT_NEAR(r.expected, 0.1, 1e-15);
  EXPECT_NEAR(r.stddev, std::sqrt(0.005), 1e-15);
}

TEST(BayesianTest, RelativePriorIsRescaledForAnAbsoluteAnalysis) {
  BayesianOptions options;
  options.difference = DifferenceType::kAbsolute;
  options.prior = {0.1, 0.01, true};
  // Control mean −4: prior N(0.1·4, 0.01·16) on the absolute difference.
  const auto r = RunBayesianTest(Moments(0.2, 0.16, -4), options);
  EXPECT_NEAR(r.expected, (0.2 / 0.16 + 0.4 / 0.16) / (2 / 0.16), 1e-15);
  // Stated on the absolute scale: used as it is.
  options.prior_scale = PriorScale::kAbsolute;
  const auto a = RunBayesianTest(Moments(0.2, 0.16, -4), options);
  EXPECT_NEAR(a.expected, (0.2 / 0.16 + 0.1 / 0.01) / (1 / 0.16 + 1 / 0.01), 1e-15);
}

TEST(BayesianTest, RiskOfAZeroMeanIsTheHalfNormalMean) {
  const auto risk = GaussianRisk(0, 1);
  const double half_normal = 1 / std::sqrt(2 * std::numbers::pi);
  EXPECT_NEAR(risk[0], half_normal, 1e-16);
  EXPECT_NEAR(risk[1], half_normal, 1e-16);
}

TEST(BayesianTest, RiskDifferenceIsThePosteriorMean) {
  for (const double mu : {-3.0, -0.5, 0.7, 4.0, 9.0}) {
    const auto risk = GaussianRisk(mu, 0.8);
    EXPECT_NEAR(risk[0] - risk[1], mu, 1e-13) << mu;
    EXPECT_GT(risk[0], 0);
    EXPECT_GT(risk[1], 0);
  }
  // Past 37 standard deviations the losses are the parts of μ exactly.
  EXPECT_EQ(GaussianRisk(100, 1), (std::array<double, 2>{100, 0}));
  EXPECT_EQ(GaussianRisk(-100, 1), (std::array<double, 2>{0, 100}));
}

TEST(BayesianTest, InverseMetricsMirrorChanceToWinAndRisk) {
  BayesianOptions options;
  const auto normal = RunBayesianTest(Moments(0.05, 0.001), options);
  options.inverse = true;
  const auto inverse = RunBayesianTest(Moments(0.05, 0.001), options);
  EXPECT_NEAR(inverse.chance_to_win, 1 - normal.chance_to_win, 1e-15);
  EXPECT_EQ(inverse.risk[0], normal.risk[1]);
  EXPECT_EQ(inverse.risk[1], normal.risk[0]);
  EXPECT_EQ(inverse.expected, normal.expected);
}

TEST(BayesianTest, RefusedComparisonGivesGbstatsDefaultOutput) {
  EffectMoments refused;
  refused.error = AnalysisError::kZeroNegativeVariance;
  const auto r = RunBayesianTest(refused, BayesianOptions{});
  EXPECT_EQ(r.error, AnalysisError::kZeroNegativeVariance);
  EXPECT_EQ(r.chance_to_win, 0.5);
  EXPECT_EQ(r.risk, (std::array<double, 2>{0, 0}));
  EXPECT_EQ(r.ci, (std::array<double, 2>{0, 0}));
}

}  // namespace
}  // namespace aurora::stats
