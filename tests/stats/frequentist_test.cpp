#include "stats/frequentist.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "stats/stats_test_support.hpp"

#include "stats/distributions.hpp"

namespace aurora::stats {
namespace {

// Control {1, 2, 3} and treatment {2, 3, 4}: Δ = 1, per-unit variances 1, Welch ν = 4.
const VariantSums kControl = Sums(3, 6, 14);
const VariantSums kTreatment = Sums(3, 9, 29);

// Student's t CDF with ν = 4 in closed form.
double StudentT4Cdf(double t) {
  const double u = 1 + t * t / 4;
  return 0.5 + 0.375 * (t / std::sqrt(u)) * (1 - t * t / (12 * u));
}

TEST(FrequentistTest, WelchTTestMatchesAHandComputation) {
  FrequentistOptions options;
  options.difference = DifferenceType::kAbsolute;
  const auto r = RunFrequentistTest(MetricType::kMean, kControl, kTreatment, options);
  ASSERT_FALSE(r.error);
  const double se = std::sqrt(2.0 / 3);
  EXPECT_NEAR(r.expected, 1, 1e-15);
  EXPECT_NEAR(r.stddev, se, 1e-15);
  EXPECT_NEAR(*r.p_value, 2 * (1 - StudentT4Cdf(1 / se)), 1e-14);
  const double t975 = 2.7764451051977987;  // t quantile, ν = 4
  EXPECT_NEAR(r.ci[0], 1 - t975 * se, 1e-13);
  EXPECT_NEAR(r.ci[1], 1 + t975 * se, 1e-13);
  EXPECT_NEAR(WelchDegreesOfFreedom(1, 3, 1, 3), 4, 1e-14);
}

TEST(FrequentistTest, OneSidedPValuesSplitTheTwoSidedOne) {
  FrequentistOptions options;
  options.difference = DifferenceType::kAbsolute;
  const double two = *RunFrequentistTest(MetricType::kMean, kControl, kTreatment, options).p_value;
  options.alternative = Alternative::kTreatmentGreater;
  const auto greater = RunFrequentistTest(MetricType::kMean, kControl, kTreatment, options);
  options.alternative = Alternative::kTreatmentLesser;
  const auto lesser = RunFrequentistTest(MetricType::kMean, kControl, kTreatment, options);
  EXPECT_NEAR(*greater.p_value, two / 2, 1e-14);
  EXPECT_NEAR(*lesser.p_value, 1 - two / 2, 1e-14);
  EXPECT_EQ(greater.ci[1], HUGE_VAL);
  EXPECT_EQ(lesser.ci[0], -HUGE_VAL);
}

TEST(FrequentistTest, RefusedComparisonGivesGbstatsDefaultOutput) {
  const VariantSums constant = Sums(100, 500, 2500);
  const auto r = RunFrequentistTest(MetricType::kMean, constant, kTreatment, FrequentistOptions{});
  EXPECT_EQ(r.error, AnalysisError::kZeroNegativeVariance);
  EXPECT_EQ(r.expected, 0);
  EXPECT_EQ(r.ci, (std::array<double, 2>{0, 0}));
  EXPECT_EQ(r.p_value, 1.0);
}

TEST(FrequentistTest, SequentialIntervalIsWiderThanTheFixedOneAndNarrowsWithMoreData) {
  const VariantSums a = Sums(10000, 1000, 1000);
  const VariantSums b = Sums(10000, 1100, 1100);
  FrequentistOptions fixed;
  FrequentistOptions sequential;
  sequential.sequential_tuning = 5000;
  const auto f = RunFrequentistTest(MetricType::kBinomial, a, b, fixed);
  const auto s = RunFrequentistTest(MetricType::kBinomial, a, b, sequential);
  EXPECT_EQ(s.expected, f.expected);
  EXPECT_LT(s.ci[0], f.ci[0]);
  EXPECT_GT(*s.p_value, *f.p_value);
  // ρ for α = 0.05, τ = 5000 from its definition.
  const double l = -2 * std::log(0.05);
  EXPECT_NEAR(SequentialRho(0.05, 5000, true), std::sqrt((l + std::log(l + 1)) / 5000), 1e-16);
}

TEST(FrequentistTest, SequentialPValueIsZeroOnceTheEValueOverflows) {
  const VariantSums a = Sums(1000000, 100000, 100000);
  const VariantSums b = Sums(1000000, 200000, 200000);
  FrequentistOptions options;
  options.sequential_tuning = 5000;
  EXPECT_EQ(*RunFrequentistTest(MetricType::kBinomial, a, b, options).p_value, 0.0);
}

TEST(FrequentistTest, OneSidedSequentialPValueIsTheAlphaWhereTheBoundReachesZero) {
  const VariantSums a = Sums(5000, 500, 500);
  const VariantSums b = Sums(5000, 575, 575);
  FrequentistOptions options;
  options.sequential_tuning = 5000;
  options.alternative = Alternative::kTreatmentGreater;
  const auto r = RunFrequentistTest(MetricType::kBinomial, a, b, options);
  ASSERT_FALSE(r.p_value_error);
  const double p = *r.p_value;
  EXPECT_GT(p, 1e-5);
  EXPECT_LT(p, 0.4999);
  const auto m = ComputeEffectMoments(MetricType::kBinomial, a, b, DifferenceType::kRelative);
  const double n = 10000;
  const double rho = SequentialRho(0.05, 5000, false);
  const double bound = m.estimate - SequentialOneSidedHalfWidth(m.variance * n, n, p, rho);
  EXPECT_NEAR(bound, 0, 1e-5);
}

TEST(FrequentistTest, OneSidedSequentialTestRefusesAlphaOfAHalfOrMore) {
  FrequentistOptions options;
  options.sequential_tuning = 5000;
  options.alpha = 0.5;
  options.alternative = Alternative::kTreatmentLesser;
  const auto r = RunFrequentistTest(MetricType::kMean, kControl, kTreatment, options);
  EXPECT_EQ(r.p_value_error, PValueError::kAlphaGreaterThanHalfForSequentialOneSided);
  EXPECT_FALSE(r.error);
  EXPECT_EQ(r.expected, 0);
  EXPECT_STREQ(PValueErrorName(*r.p_value_error),
               "ALPHA_GREATER_THAN_0.5_FOR_SEQUENTIAL_ONE_SIDED_TEST");
}

}  // namespace
}  // namespace aurora::stats
