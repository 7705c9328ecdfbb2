#pragma once

// Why gbstats refuses a comparison, with gbstats' own message texts (gbstats/messages.py and
// models/results.py), so results can be compared with gbstats verbatim.

namespace aurora::stats {

/// A comparison that cannot be analysed. The result then carries fixed "default" numbers.
enum class AnalysisError {
  /// An arm's per-unit variance or the effect's variance is ≤ 0: n ≤ 1, constant values,
  /// 0 % or 100 % conversion, a ratio denominator summing to 0, a relative effect on a
  /// control mean of 0, or inconsistent sums.
  kZeroNegativeVariance,
  /// The control mean is 0 (also for absolute effects), or a Bayesian posterior has no
  /// precision.
  kZeroNegativeBaselineVariation,
};

/// Why a frequentist p-value is missing while the rest of the result is usable.
enum class PValueError {
  kNumericalPValueNotConverged,                ///< one-sided sequential bisection failed
  kAlphaGreaterThanHalfForSequentialOneSided,  ///< α ≥ 0.5 with a one-sided sequential test
};

/// gbstats' message for the error: "ZERO_NEGATIVE_VARIANCE", "ZERO_NEGATIVE_BASELINE_VARIATION".
constexpr const char* AnalysisErrorName(AnalysisError error) {
  switch (error) {
    case AnalysisError::kZeroNegativeVariance:
      return "ZERO_NEGATIVE_VARIANCE";
    case AnalysisError::kZeroNegativeBaselineVariation:
      return "ZERO_NEGATIVE_BASELINE_VARIATION";
  }
  return "UNKNOWN";
}

/// gbstats' message for a p-value error.
constexpr const char* PValueErrorName(PValueError error) {
  switch (error) {
    case PValueError::kNumericalPValueNotConverged:
      return "NUMERICAL_PVALUE_NOT_CONVERGED";
    case PValueError::kAlphaGreaterThanHalfForSequentialOneSided:
      return "ALPHA_GREATER_THAN_0.5_FOR_SEQUENTIAL_ONE_SIDED_TEST";
  }
  return "UNKNOWN";
}

}  // namespace aurora::stats
