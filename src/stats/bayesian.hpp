#pragma once

// Bayesian test of a treatment against the control (gbstats bayesian/tests.py:
// EffectBayesianABTest): a Gaussian model on the effect scale itself (relative lift or absolute
// difference), with an optional Gaussian prior. Pure functions: thread-safe.

#include <array>
#include <optional>

#include "stats/analysis_error.hpp"
#include "stats/effect.hpp"
#include "stats/sufficient_statistics.hpp"

namespace aurora::stats {

/// A Gaussian prior on the effect. Improper (`proper` false, the default) means flat: the
/// posterior is the likelihood. A proper prior needs variance > 0.
struct GaussianPrior {
  double mean = 0;
  double variance = 1;
  bool proper = false;
};

/// On which scale the prior is stated. gbstats' pipeline always says kRelative: for an
/// absolute analysis the prior is then rescaled by the control mean (μ₀·|u_a|, σ₀²·u_a²).
/// kAbsolute with a relative analysis is *not* rescaled, reproducing gbstats (its check
/// compares the config object with a string and never matches).
enum class PriorScale { kRelative, kAbsolute };

struct BayesianOptions {
  DifferenceType difference = DifferenceType::kRelative;
  double alpha = 0.05;  ///< the credible interval covers 1 − α
  GaussianPrior prior;
  PriorScale prior_scale = PriorScale::kRelative;
  bool inverse = false;  ///< lower is better: chance to win and risk are mirrored
};

/// A Bayesian result. On a refused comparison (`error` set): expected 0, ci [0, 0],
/// chance_to_win 0.5, risk [0, 0], stddev 0 — gbstats' default output.
struct BayesianResult {
  double expected = 0;             ///< posterior mean of the effect
  std::array<double, 2> ci{0, 0};  ///< equal-tailed credible interval (normal quantiles)
  double chance_to_win = 0.5;      ///< P(treatment better than control)
  /// Expected loss [of keeping the control, of shipping the treatment], on the effect's scale.
  std::array<double, 2> risk{0, 0};
  double stddev = 0;  ///< posterior standard deviation
  std::optional<AnalysisError> error;
};

/// Runs the Bayesian test on already computed effect moments.
BayesianResult RunBayesianTest(const EffectMoments& moments, const BayesianOptions& options);

/// Computes the effect moments (CUPED, ratio, degenerate checks) and runs the test.
BayesianResult RunBayesianTest(MetricType metric, const VariantSums& control,
                               const VariantSums& treatment, const BayesianOptions& options);

/// Expected loss of N(mu, sigma²) [E max(δ, 0), E max(−δ, 0)], formed as gbstats does
/// (probability × truncated-normal mean; exact [max(μ,0), max(−μ,0)] when |μ/σ| > 37).
std::array<double, 2> GaussianRisk(double mu, double sigma);

}  // namespace aurora::stats
