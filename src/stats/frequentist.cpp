#include "stats/frequentist.hpp"

#include <cmath>
#include <limits>

#include "stats/distributions.hpp"

namespace aurora::stats {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

FrequentistResult DefaultOutput(std::optional<AnalysisError> error,
                                std::optional<PValueError> p_value_error) {
  FrequentistResult r;
  r.error = error;
  r.p_value_error = p_value_error;
  return r;
}

bool OneSided(Alternative alternative) { return alternative != Alternative::kTwoSided; }

// One-sided CI for a given α: the bound on the side the alternative leaves open.
std::array<double, 2> OneSidedInterval(double estimate, double halfwidth, Alternative alternative) {
  if (alternative == Alternative::kTreatmentLesser) return {-kInf, estimate + halfwidth};
  return {estimate - halfwidth, kInf};
}

void FixedHorizon(const EffectMoments& m, const FrequentistOptions& o, FrequentistResult& r) {
  const double dof =
      WelchDegreesOfFreedom(m.control_variance, static_cast<double>(m.control_n),
                            m.treatment_variance, static_cast<double>(m.treatment_n));
  const double t = (m.estimate - o.test_value) / m.standard_error;
  switch (o.alternative) {
    case Alternative::kTwoSided: {
      // Formed as 2·(1 − F(|t|)) like gbstats, so tiny p-values round the same way.
      r.p_value = 2 * (1 - StudentTCdf(std::fabs(t), dof));
      const double halfwidth = StudentTQuantile(1 - o.alpha / 2, dof) * m.standard_error;
      r.ci = {m.estimate - halfwidth, m.estimate + halfwidth};
      break;
    }
    case Alternative::kTreatmentGreater:
      r.p_value = 1 - StudentTCdf(t, dof);
      r.ci = OneSidedInterval(m.estimate, StudentTQuantile(1 - o.alpha, dof) * m.standard_error,
                              o.alternative);
      break;
    case Alternative::kTreatmentLesser:
      r.p_value = StudentTCdf(t, dof);
      r.ci = OneSidedInterval(m.estimate, StudentTQuantile(1 - o.alpha, dof) * m.standard_error,
                              o.alternative);
      break;
  }
}

// The anytime-valid p-value of a one-sided confidence sequence: gbstats bisects on α (with ρ
// fixed at the configured α) until the open side's bound is within 1e-6 of 0. The bisection is
// reproduced step for step because its answer is not the exact root.
void SequentialOneSidedPValue(double estimate, double s2, double n, double rho,
                              Alternative alternative, FrequentistResult& r) {
  const bool lesser = alternative == Alternative::kTreatmentLesser;
  const auto bound = [&](double alpha) {
    const auto ci =
        OneSidedInterval(estimate, SequentialOneSidedHalfWidth(s2, n, alpha, rho), alternative);
    return lesser ? ci[1] : ci[0];
  };
  constexpr double kTolerance = 1e-6;
  constexpr int kMaxIterations = 100;
  double min_alpha = 1e-5, max_alpha = 0.4999;
  const double at_min = bound(min_alpha);
  if (lesser ? at_min < 0 : at_min > 0) {
    r.p_value = min_alpha;
    return;
  }
  const double at_max = bound(max_alpha);
  if (lesser ? at_max > 0 : at_max < 0) {
    r.p_value = max_alpha;
    return;
  }
  double alpha = 0.5 * (min_alpha + max_alpha);
  double diff = 0;
  for (int i = 0; i < kMaxIterations; ++i) {
    diff = bound(alpha);
    if (lesser ? diff > 0 : diff < 0) {
      min_alpha = alpha;
    } else {
      max_alpha = alpha;
    }
    alpha = 0.5 * (min_alpha + max_alpha);
    if (std::fabs(diff) < kTolerance) break;
  }
  if (std::fabs(diff) < kTolerance) {
    r.p_value = alpha;
  } else {
    r.p_value.reset();
    r.p_value_error = PValueError::kNumericalPValueNotConverged;
  }
}

void Sequential(const EffectMoments& m, const FrequentistOptions& o, FrequentistResult& r) {
  const double tuning = *o.sequential_tuning;
  const double n = static_cast<double>(m.control_n) + static_cast<double>(m.treatment_n);
  const double s2 = m.standard_error * m.standard_error * n;
  if (o.alternative == Alternative::kTwoSided) {
    const double rho = SequentialRho(o.alpha, tuning, true);
    const double halfwidth = SequentialHalfWidth(s2, n, o.alpha, rho);
    r.ci = {m.estimate - halfwidth, m.estimate + halfwidth};
    // E-value of eq. 155 with w = N·t²; once exp overflows the p-value is exactly 0.
    const double diff = m.estimate - o.test_value;
    const double w = diff * diff * n / (m.standard_error * m.standard_error);
    const double k = n * rho * rho + 1;
    const double evalue = std::exp(rho * rho * w / (2 * k)) / std::sqrt(k);
    r.p_value = std::fmin(1 / evalue, 1.0);
    return;
  }
  const double rho = SequentialRho(o.alpha, tuning, false);
  r.ci =
      OneSidedInterval(m.estimate, SequentialOneSidedHalfWidth(s2, n, o.alpha, rho), o.alternative);
  SequentialOneSidedPValue(m.estimate, s2, n, rho, o.alternative, r);
}

}  // namespace

double WelchDegreesOfFreedom(double variance_a, double n_a, double variance_b, double n_b) {
  const double sum = variance_b / n_b + variance_a / n_a;
  return sum * sum /
         (variance_b * variance_b / (n_b * n_b * (n_b - 1)) +
          variance_a * variance_a / (n_a * n_a * (n_a - 1)));
}

double SequentialRho(double alpha, double tuning, bool two_sided) {
  const double a = two_sided ? alpha : 2 * alpha;
  return std::sqrt((-2 * std::log(a) + std::log(-2 * std::log(a) + 1)) / tuning);
}

double SequentialHalfWidth(double s2, double n, double alpha, double rho) {
  const double k = n * rho * rho + 1;
  const double nr = n * rho;
  return std::sqrt(s2) * std::sqrt(2 * k * std::log(std::sqrt(k) / alpha) / (nr * nr));
}

double SequentialOneSidedHalfWidth(double s2, double n, double alpha, double rho) {
  const double k = n * rho * rho + 1;
  const double nr = n * rho;
  return std::sqrt(s2 * (2 * k / (nr * nr)) * std::log(1 + std::sqrt(k) / (2 * alpha)));
}

FrequentistResult RunFrequentistTest(const EffectMoments& moments,
                                     const FrequentistOptions& options) {
  if (moments.error) return DefaultOutput(moments.error, std::nullopt);
  const bool sequential = options.sequential_tuning.has_value();
  if (sequential && OneSided(options.alternative) && options.alpha >= 0.5) {
    return DefaultOutput(std::nullopt, PValueError::kAlphaGreaterThanHalfForSequentialOneSided);
  }
  FrequentistResult r;
  r.expected = moments.estimate;
  r.stddev = moments.standard_error;
  if (sequential) {
    Sequential(moments, options, r);
  } else {
    FixedHorizon(moments, options, r);
  }
  return r;
}

FrequentistResult RunFrequentistTest(MetricType metric, const VariantSums& control,
                                     const VariantSums& treatment,
                                     const FrequentistOptions& options) {
  return RunFrequentistTest(ComputeEffectMoments(metric, control, treatment, options.difference),
                            options);
}

}  // namespace aurora::stats
