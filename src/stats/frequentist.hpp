#pragma once

// Frequentist tests of a treatment against the control (gbstats frequentist/tests.py): Welch's
// t test (two-sided or one-sided) and asymptotic confidence sequences for sequential testing
// (Waudby-Smith et al., arXiv:2103.06476). Pure functions: thread-safe.

#include <array>
#include <optional>

#include "stats/analysis_error.hpp"
#include "stats/effect.hpp"
#include "stats/sufficient_statistics.hpp"

namespace aurora::stats {

/// Which hypothesis the test checks. kTwoSided is SPEC §13's; the one-sided forms follow
/// gbstats' OneSidedTreatment{Greater,Lesser}TTest (CI open on one side, bound ±∞).
enum class Alternative { kTwoSided, kTreatmentGreater, kTreatmentLesser };

/// How to test. α in (0, 1); a sequential tuning parameter τ > 0 makes the test sequential
/// (gbstats' default τ is 5000).
struct FrequentistOptions {
  DifferenceType difference = DifferenceType::kRelative;
  double alpha = 0.05;
  double test_value = 0;  ///< the null hypothesis for Δ
  Alternative alternative = Alternative::kTwoSided;
  std::optional<double> sequential_tuning;
};

/// A frequentist result. On a refused comparison (`error` set): expected 0, ci [0, 0],
/// p_value 1, stddev 0 — gbstats' default output.
struct FrequentistResult {
  double expected = 0;             ///< Δ, relative or absolute
  std::array<double, 2> ci{0, 0};  ///< confidence interval or confidence sequence; may be ±∞
  std::optional<double> p_value = 1.0;  ///< missing only with p_value_error kNumerical...
  double stddev = 0;                    ///< standard error of Δ (gbstats' uplift sd)
  std::optional<AnalysisError> error;
  std::optional<PValueError> p_value_error;
};

/// Runs the configured test on already computed effect moments.
FrequentistResult RunFrequentistTest(const EffectMoments& moments,
                                     const FrequentistOptions& options);

/// Computes the effect moments (CUPED, ratio, degenerate checks) and runs the test.
FrequentistResult RunFrequentistTest(MetricType metric, const VariantSums& control,
                                     const VariantSums& treatment,
                                     const FrequentistOptions& options);

/// Welch–Satterthwaite degrees of freedom from the arms' per-unit variances and sizes.
double WelchDegreesOfFreedom(double variance_a, double n_a, double variance_b, double n_b);

/// The confidence-sequence mixing parameter ρ for α and τ; one-sided tests use 2α.
double SequentialRho(double alpha, double tuning, bool two_sided);

/// Half-width of the two-sided confidence sequence: s2 is the effect's variance scaled to one
/// unit (se²·N), n the units of both arms, rho from SequentialRho.
double SequentialHalfWidth(double s2, double n, double alpha, double rho);

/// Half-width of the one-sided confidence sequence (same arguments).
double SequentialOneSidedHalfWidth(double s2, double n, double alpha, double rho);

}  // namespace aurora::stats
