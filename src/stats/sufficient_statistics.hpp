#pragma once

// Per-variant sufficient statistics (the inputs of every test) and the per-unit moments gbstats
// derives from them (models/statistics.py). Plain data and pure functions: thread-safe.

#include <cstdint>
#include <optional>

namespace aurora::stats {

/// How a metric's per-unit values are summarised.
/// kMean: any value, sample variance with n−1. kBinomial: 0/1 per unit, population variance
/// p(1−p) (sum_squares is ignored). kRatio: numerator and denominator per unit.
enum class MetricType { kMean, kBinomial, kRatio };

/// Relative lift (Δ / |control mean|, by the delta method) or absolute difference.
enum class DifferenceType { kRelative, kAbsolute };

/// Ratio metrics: the denominator's sums and the sum of numerator × denominator per unit.
struct DenominatorSums {
  double sum = 0;
  double sum_squares = 0;
  double sum_products = 0;  ///< Σ numerator·denominator
};

/// CUPED for mean and binomial metrics: the same metric before exposure (X), per unit.
struct CovariateSums {
  double sum = 0;           ///< Σx
  double sum_squares = 0;   ///< Σx² (ignored for binomial metrics)
  double sum_products = 0;  ///< Σx·y with y the metric in the experiment window
};

/// CUPED for ratio metrics: numerator and denominator before exposure and the cross sums.
struct RatioCovariateSums {
  double numerator_sum = 0;
  double numerator_sum_squares = 0;
  double denominator_sum = 0;
  double denominator_sum_squares = 0;
  double numerator_post_pre_products = 0;              ///< Σ m_post·m_pre
  double denominator_post_pre_products = 0;            ///< Σ d_post·d_pre
  double pre_products = 0;                             ///< Σ m_pre·d_pre
  double numerator_post_denominator_pre_products = 0;  ///< Σ m_post·d_pre
  double numerator_pre_denominator_post_products = 0;  ///< Σ m_pre·d_post
};

/// Sufficient statistics of one variant: n units, Σy and Σy² of the metric (the numerator for
/// ratio metrics), plus the optional parts a ratio metric or CUPED needs.
struct VariantSums {
  std::int64_t n = 0;
  double sum = 0;
  double sum_squares = 0;
  std::optional<DenominatorSums> denominator;         ///< required for MetricType::kRatio
  std::optional<CovariateSums> covariate;             ///< CUPED (mean, binomial)
  std::optional<RatioCovariateSums> ratio_covariate;  ///< CUPED (ratio, needs denominator)
};

/// Mean and per-unit variance of one plain (not ratio, not CUPED) sample.
/// Mean: S/n (0 when n = 0). Variance: (Q − S²/n)/(n−1), 0 when n ≤ 1, not clamped at 0
/// (binomial: p(1−p)).
struct SampleMoments {
  double n = 0;
  double mean = 0;
  double variance = 0;
};

/// The moments of Σ, Σ² over n units, for a mean or binomial metric.
SampleMoments MomentsOf(MetricType type, std::int64_t n, double sum, double sum_squares);

/// Covariance of two per-unit quantities from their sums and the sum of their products
/// (population form when both are binomial, else n−1); 0 when n ≤ 1.
double Covariance(bool both_binomial, std::int64_t n, double sum_x, double sum_y,
                  double sum_products);

/// The delta-method variance of M/D given the means, variances and covariance of M and D.
double VarianceOfRatio(double mean_m, double var_m, double mean_d, double var_d, double cov_md);

}  // namespace aurora::stats
