#include "stats/effect.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "stats/stats_test_support.hpp"

namespace aurora::stats {
namespace {

// n units with the given mean and sample variance (n − 1).
VariantSums Sample(std::int64_t n, double mean, double variance) {
  VariantSums v;
  v.n = n;
  v.sum = mean * static_cast<double>(n);
  v.sum_squares = variance * static_cast<double>(n - 1) + v.sum * v.sum / static_cast<double>(n);
  return v;
}

TEST(EffectTest, RelativeLiftUsesTheDeltaMethod) {
  const auto m = ComputeEffectMoments(MetricType::kMean, Sample(100, 10, 4), Sample(100, 12, 9),
                                      DifferenceType::kRelative);
  ASSERT_FALSE(m.error);
  EXPECT_NEAR(m.estimate, 0.2, 1e-15);
  // v_b/(n_b·u_a²) + v_a·u_b²/(n_a·u_a⁴) = 9/10⁴ + 4·144/10⁶
  EXPECT_NEAR(m.variance, 0.0009 + 0.000576, 1e-15);
  EXPECT_NEAR(m.standard_error, std::sqrt(0.001476), 1e-15);
}

TEST(EffectTest, AbsoluteDifferenceAddsTheArmVariances) {
  const auto m = ComputeEffectMoments(MetricType::kMean, Sample(100, 10, 4), Sample(50, 12, 9),
                                      DifferenceType::kAbsolute);
  ASSERT_FALSE(m.error);
  EXPECT_NEAR(m.estimate, 2, 1e-13);
  EXPECT_NEAR(m.variance, 4.0 / 100 + 9.0 / 50, 1e-13);
}

TEST(EffectTest, RelativeLiftKeepsItsSignWhenTheControlMeanIsNegative) {
  const auto m = ComputeEffectMoments(MetricType::kMean, Sample(100, -10, 4), Sample(100, -8, 4),
                                      DifferenceType::kRelative);
  ASSERT_FALSE(m.error);
  EXPECT_NEAR(m.estimate, 0.2, 1e-15);
}

TEST(EffectTest, BinomialVarianceIsThePopulationVariance) {
  VariantSums a = Sums(1000, 100, 12345);  // Σy² is ignored
  VariantSums b = Sums(1000, 120, 0);
  const auto m = ComputeEffectMoments(MetricType::kBinomial, a, b, DifferenceType::kAbsolute);
  ASSERT_FALSE(m.error);
  EXPECT_NEAR(m.control_variance, 0.1 * 0.9, 1e-15);
  EXPECT_NEAR(m.variance, 0.09 / 1000 + 0.12 * 0.88 / 1000, 1e-15);
}

TEST(EffectTest, DegenerateComparisonsAreRefusedWithGbstatsMessages) {
  const auto one = ComputeEffectMoments(MetricType::kMean, Sample(1, 5, 0), Sample(100, 6, 1),
                                        DifferenceType::kRelative);
  EXPECT_EQ(one.error, AnalysisError::kZeroNegativeVariance);
  EXPECT_EQ(one.estimate, 0);
  const auto full = ComputeEffectMoments(MetricType::kBinomial, Sums(10, 5, 0), Sums(10, 10, 0),
                                         DifferenceType::kAbsolute);
  EXPECT_EQ(full.error, AnalysisError::kZeroNegativeVariance);
  const auto zero_mean = ComputeEffectMoments(MetricType::kMean, Sample(100, 0, 4),
                                              Sample(100, 1, 4), DifferenceType::kAbsolute);
  EXPECT_EQ(zero_mean.error, AnalysisError::kZeroNegativeBaselineVariation);
  const auto zero_mean_relative = ComputeEffectMoments(
      MetricType::kMean, Sample(100, 0, 4), Sample(100, 1, 4), DifferenceType::kRelative);
  EXPECT_EQ(zero_mean_relative.error, AnalysisError::kZeroNegativeVariance);
  EXPECT_STREQ(AnalysisErrorName(AnalysisError::kZeroNegativeVariance), "ZERO_NEGATIVE_VARIANCE");
  EXPECT_STREQ(AnalysisErrorName(AnalysisError::kZeroNegativeBaselineVariation),
               "ZERO_NEGATIVE_BASELINE_VARIATION");
}

TEST(EffectTest, RatioWithDenominatorOnePerUnitIsTheMeanMetric) {
  VariantSums a = Sample(500, 3, 2), b = Sample(400, 3.3, 2.5);
  const auto mean = ComputeEffectMoments(MetricType::kMean, a, b, DifferenceType::kRelative);
  a.denominator = DenominatorSums{500, 500, a.sum};
  b.denominator = DenominatorSums{400, 400, b.sum};
  const auto ratio = ComputeEffectMoments(MetricType::kRatio, a, b, DifferenceType::kRelative);
  ASSERT_FALSE(ratio.error);
  EXPECT_NEAR(ratio.estimate, mean.estimate, 1e-12);
  EXPECT_NEAR(ratio.variance, mean.variance, 1e-12);
}

TEST(EffectTest, RatioWithoutDenominatorIsRefused) {
  const auto m = ComputeEffectMoments(MetricType::kRatio, Sample(10, 1, 1), Sample(10, 2, 1),
                                      DifferenceType::kRelative);
  EXPECT_EQ(m.error, AnalysisError::kZeroNegativeVariance);
}

TEST(EffectTest, CupedUsesThePooledThetaAndReducesTheVariance) {
  // Y = X + noise: per arm Var(X) = 4, Cov(X, Y) = 4, Var(Y) = 5; equal covariate means.
  VariantSums a = Sample(1000, 10, 5), b = Sample(1000, 10.5, 5);
  const auto plain = ComputeEffectMoments(MetricType::kMean, a, b, DifferenceType::kAbsolute);
  const auto add_covariate = [](VariantSums& v, double mean_x) {
    const double n = static_cast<double>(v.n);
    const double sum_x = mean_x * n;
    v.covariate =
        CovariateSums{sum_x, 4 * (n - 1) + sum_x * sum_x / n, 4 * (n - 1) + sum_x * v.sum / n};
  };
  VariantSums same_mean_a = a, same_mean_b = b;
  add_covariate(a, 4);
  add_covariate(b, 4);
  const auto cuped = ComputeEffectMoments(MetricType::kMean, a, b, DifferenceType::kAbsolute);
  ASSERT_FALSE(cuped.error);
  // Pooled: Var(Y) has the between-arm term, Var(X) and Cov(X,Y) do not: θ = 4/4 = 1.
  EXPECT_NEAR(cuped.theta, 1.0, 1e-9);
  EXPECT_NEAR(cuped.control_variance, 5 + 4 - 2 * 4, 1e-9);
  EXPECT_NEAR(cuped.estimate, plain.estimate, 1e-12);  // equal covariate means
  EXPECT_LT(cuped.standard_error, plain.standard_error / 2);
  // With θ = 1 and a covariate mean equal to the control's, the adjusted control mean is 0,
  // which gbstats refuses even for an absolute effect.
  add_covariate(same_mean_a, 10);
  add_covariate(same_mean_b, 10);
  EXPECT_EQ(
      ComputeEffectMoments(MetricType::kMean, same_mean_a, same_mean_b, DifferenceType::kAbsolute)
          .error,
      AnalysisError::kZeroNegativeBaselineVariation);
}

TEST(EffectTest, CupedWithAConstantCovariateFallsBackToThePlainTest) {
  VariantSums a = Sample(100, 10, 4), b = Sample(100, 11, 4);
  const auto plain = ComputeEffectMoments(MetricType::kMean, a, b, DifferenceType::kRelative);
  a.covariate = CovariateSums{300, 900, 3 * a.sum};  // X = 3 for everyone
  b.covariate = CovariateSums{300, 900, 3 * b.sum};
  const auto cuped = ComputeEffectMoments(MetricType::kMean, a, b, DifferenceType::kRelative);
  EXPECT_EQ(cuped.theta, 0);
  EXPECT_EQ(cuped.estimate, plain.estimate);
  EXPECT_EQ(cuped.variance, plain.variance);
}

TEST(EffectTest, RatioCupedWithUnitDenominatorsMatchesTheMeanCupedFormula) {
  // D = 1 before and after exposure: the ratio reduces to M, and ratio-CUPED to CUPED with
  // θ = (c_a + c_b)/(v_Xa + v_Xb).
  VariantSums a = Sample(800, 5, 3), b = Sample(900, 5.4, 3.5);
  const auto with_pre = [](VariantSums& v, double mean_x, double var_x, double cov) {
    const double n = static_cast<double>(v.n);
    v.denominator = DenominatorSums{n, n, v.sum};
    RatioCovariateSums c;
    c.numerator_sum = mean_x * n;
    c.numerator_sum_squares = var_x * (n - 1) + c.numerator_sum * c.numerator_sum / n;
    c.denominator_sum = n;
    c.denominator_sum_squares = n;
    c.numerator_post_pre_products = cov * (n - 1) + v.sum * c.numerator_sum / n;
    c.denominator_post_pre_products = n;
    c.pre_products = c.numerator_sum;
    c.numerator_post_denominator_pre_products = v.sum;
    c.numerator_pre_denominator_post_products = c.numerator_sum;
    v.ratio_covariate = c;
  };
  with_pre(a, 4.8, 2.5, 2.0);
  with_pre(b, 4.9, 2.7, 2.2);
  const auto m = ComputeEffectMoments(MetricType::kRatio, a, b, DifferenceType::kAbsolute);
  ASSERT_FALSE(m.error);
  const double theta = (2.0 + 2.2) / (2.5 + 2.7);
  EXPECT_NEAR(m.theta, theta, 1e-9);
  const double v_a = 3 + theta * theta * 2.5 - 2 * theta * 2.0;
  const double v_b = 3.5 + theta * theta * 2.7 - 2 * theta * 2.2;
  EXPECT_NEAR(m.control_variance, v_a, 1e-9);
  EXPECT_NEAR(m.treatment_variance, v_b, 1e-9);
  EXPECT_NEAR(m.estimate, (5.4 - theta * 4.9) - (5 - theta * 4.8), 1e-9);
  EXPECT_NEAR(m.variance, v_a / 800 + v_b / 900, 1e-12);
}

}  // namespace
}  // namespace aurora::stats
