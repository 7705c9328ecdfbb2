#pragma once

// The effect of a treatment against the control: point estimate and standard error, with
// gbstats' degenerate-case checks (models/tests.py: EffectMoments), after CUPED adjustment
// (models/statistics.py: create_theta_adjusted_statistics). Every test starts here.
// Pure functions: thread-safe.

#include <cstdint>
#include <optional>

#include "stats/analysis_error.hpp"
#include "stats/sufficient_statistics.hpp"

namespace aurora::stats {

/// Effect estimate of one treatment against the control, and what the tests need besides.
struct EffectMoments {
  double estimate = 0;        ///< Δ: (m_b − m_a)/|u_a| (relative) or m_b − m_a (absolute)
  double variance = 0;        ///< Var(Δ), by the delta method when relative
  double standard_error = 0;  ///< √variance
  std::int64_t control_n = 0;
  std::int64_t treatment_n = 0;
  double control_variance = 0;         ///< per-unit variance of the control (CUPED-adjusted)
  double treatment_variance = 0;       ///< per-unit variance of the treatment (CUPED-adjusted)
  double control_mean = 0;             ///< m_a, CUPED-adjusted
  double control_unadjusted_mean = 0;  ///< u_a, the divisor of relative effects
  double theta = 0;  ///< the CUPED coefficient used; 0 when no adjustment was made
  /// Set when gbstats refuses the comparison; every number above is then 0.
  std::optional<AnalysisError> error;
};

/// Estimates the effect of `treatment` against `control`.
/// CUPED applies when both arms carry covariate sums (`covariate` for mean and binomial
/// metrics, `ratio_covariate` for ratio metrics); θ is computed from the pooled arms, and a θ
/// of 0 (no variance before or after exposure) falls back to the unadjusted metric.
/// A ratio metric needs `denominator` in both arms; a missing one counts as all zeros.
/// The degenerate checks run in gbstats' order: a variance ≤ 0 (kZeroNegativeVariance), then a
/// control mean of 0 (kZeroNegativeBaselineVariation, for absolute effects too).
EffectMoments ComputeEffectMoments(MetricType metric, const VariantSums& control,
                                   const VariantSums& treatment, DifferenceType difference);

}  // namespace aurora::stats
