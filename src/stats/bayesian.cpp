#include "stats/bayesian.hpp"

#include <cmath>

#include "stats/distributions.hpp"

namespace aurora::stats {
namespace {

BayesianResult DefaultOutput(AnalysisError error) {
  BayesianResult r;
  r.error = error;
  return r;
}

}  // namespace

std::array<double, 2> GaussianRisk(double mu, double sigma) {
  const double z = mu / sigma;
  // Past 37 standard deviations the far tail's probability underflows the truncated means;
  // the expected losses are then the positive and negative parts of μ.
  if (std::fabs(z) > 37) return {std::fmax(mu, 0.0), std::fmax(-mu, 0.0)};
  const double prob_control_better = NormalCdf(-z);  // P(δ < 0)
  // Truncated-normal means E[δ | δ > 0] and E[δ | δ < 0] via the inverse Mills ratios.
  const double density = NormalPdf(z);
  const double mean_positive = mu + sigma * density / NormalCdf(z);
  const double mean_negative = mu - sigma * density / NormalCdf(-z);
  return {(1.0 - prob_control_better) * mean_positive, -(prob_control_better * mean_negative)};
}

BayesianResult RunBayesianTest(const EffectMoments& moments, const BayesianOptions& options) {
  if (moments.error) return DefaultOutput(*moments.error);
  const bool relative = options.difference == DifferenceType::kRelative;

  GaussianPrior prior = options.prior;
  if (!relative && options.prior_scale == PriorScale::kRelative) {
    const double u_a = moments.control_unadjusted_mean;
    if (prior.proper && u_a == 0)
      return DefaultOutput(AnalysisError::kZeroNegativeBaselineVariation);
    prior.mean = prior.mean * std::fabs(u_a);
    prior.variance = prior.variance * (u_a * u_a);
  }

  const double data_mean = moments.estimate;
  const double data_variance = moments.variance;
  double precision = 0;
  double mean = 0;
  if (data_variance != 0) {
    precision = 1 / data_variance + (prior.proper ? 1 / prior.variance : 0.0);
    mean = prior.proper ? (data_mean / data_variance + prior.mean / prior.variance) / precision
                        : data_mean;
  } else {
    precision = prior.proper ? 1 / prior.variance : 0.0;
    mean = prior.proper ? prior.mean : 0.0;
  }
  if (precision == 0) return DefaultOutput(AnalysisError::kZeroNegativeBaselineVariation);
  const double sd = std::sqrt(1 / precision);

  BayesianResult r;
  r.expected = mean;
  r.stddev = sd;
  const double chance = NormalCdf(mean / sd);
  r.chance_to_win = options.inverse ? 1 - chance : chance;
  r.ci = {mean + sd * NormalQuantile(options.alpha / 2),
          mean + sd * NormalQuantile(1 - options.alpha / 2)};
  const auto risk = GaussianRisk(mean, sd);
  r.risk = options.inverse ? std::array<double, 2>{risk[1], risk[0]} : risk;
  return r;
}

BayesianResult RunBayesianTest(MetricType metric, const VariantSums& control,
                               const VariantSums& treatment, const BayesianOptions& options) {
  return RunBayesianTest(ComputeEffectMoments(metric, control, treatment, options.difference),
                         options);
}

}  // namespace aurora::stats
