#include "stats/effect.hpp"

#include <array>
#include <cmath>

namespace aurora::stats {
namespace {

using Vector4 = std::array<double, 4>;
using Matrix4 = std::array<Vector4, 4>;

double Quadratic(const Vector4& a, const Matrix4& m, const Vector4& b, int from_a, int from_b,
                 int size) {
  double total = 0;
  for (int i = 0; i < size; ++i) {
    double row = 0;
    for (int j = 0; j < size; ++j) row += m[from_a + i][from_b + j] * b[from_b + j];
    total += a[from_a + i] * row;
  }
  return total;
}

// One arm after CUPED, in the shape gbstats' statistic classes give it.
struct Arm {
  enum class Kind { kPlain, kRatio, kCuped, kRatioCuped };
  Kind kind = Kind::kPlain;
  std::int64_t n = 0;
  double mean = 0;
  double unadjusted_mean = 0;
  double variance = 0;
  // kCuped: post-period (Y) and pre-period (X) moments and their covariance.
  SampleMoments post;
  SampleMoments pre;
  double covariance = 0;
  // kRatioCuped: means of (M_post, D_post, M_pre, D_pre), their covariance matrix Λ and the
  // gradient of M_post/D_post − θ·M_pre/D_pre.
  Vector4 betahat{};
  Matrix4 lambda{};
  Vector4 nabla{};
};

// The four per-unit quantities of a ratio-CUPED arm, all SampleMean statistics.
struct RatioCupedParts {
  std::int64_t n = 0;
  std::array<SampleMoments, 4> moments;  // M_post, D_post, M_pre, D_pre
  std::array<double, 4> sums{};
  Matrix4 lambda{};
  double d_post_sum = 0;
  double d_pre_sum = 0;
};

RatioCupedParts RatioCupedPartsOf(const VariantSums& v) {
  const DenominatorSums d = v.denominator.value_or(DenominatorSums{});
  const RatioCovariateSums c = v.ratio_covariate.value_or(RatioCovariateSums{});
  RatioCupedParts p;
  p.n = v.n;
  p.sums = {v.sum, d.sum, c.numerator_sum, c.denominator_sum};
  const std::array<double, 4> squares = {v.sum_squares, d.sum_squares, c.numerator_sum_squares,
                                         c.denominator_sum_squares};
  for (int i = 0; i < 4; ++i)
    p.moments[i] = MomentsOf(MetricType::kMean, v.n, p.sums[i], squares[i]);
  // Cross sums Σ q_i·q_j for the index pairs of Λ.
  std::array<std::array<double, 4>, 4> products{};
  products[0][1] = d.sum_products;
  products[0][2] = c.numerator_post_pre_products;
  products[0][3] = c.numerator_post_denominator_pre_products;
  products[1][2] = c.numerator_pre_denominator_post_products;
  products[1][3] = c.denominator_post_pre_products;
  products[2][3] = c.pre_products;
  for (int i = 0; i < 4; ++i) {
    p.lambda[i][i] = p.moments[i].variance;
    for (int j = i + 1; j < 4; ++j) {
      p.lambda[i][j] = p.lambda[j][i] =
          Covariance(false, v.n, p.sums[i], p.sums[j], products[i][j]);
    }
  }
  p.d_post_sum = d.sum;
  p.d_pre_sum = c.denominator_sum;
  return p;
}

Vector4 RatioCupedNabla(const RatioCupedParts& p, double theta) {
  const double b0 = p.moments[0].mean, b1 = p.moments[1].mean;
  const double b2 = p.moments[2].mean, b3 = p.moments[3].mean;
  if (b1 == 0 || b3 == 0) return Vector4{};
  return {1 / b1, -b0 / (b1 * b1), -theta / b3, theta * b2 / (b3 * b3)};
}

Arm PlainArm(MetricType metric, const VariantSums& v) {
  Arm arm;
  arm.n = v.n;
  if (metric == MetricType::kRatio) {
    arm.kind = Arm::Kind::kRatio;
    const DenominatorSums d = v.denominator.value_or(DenominatorSums{});
    const SampleMoments m = MomentsOf(MetricType::kMean, v.n, v.sum, v.sum_squares);
    const SampleMoments dm = MomentsOf(MetricType::kMean, v.n, d.sum, d.sum_squares);
    arm.mean = d.sum == 0 ? 0.0 : v.sum / d.sum;
    arm.variance = (dm.mean == 0 || v.n <= 1)
                       ? 0.0
                       : VarianceOfRatio(m.mean, m.variance, dm.mean, dm.variance,
                                         Covariance(false, v.n, v.sum, d.sum, d.sum_products));
  } else {
    const SampleMoments m = MomentsOf(metric, v.n, v.sum, v.sum_squares);
    arm.mean = m.mean;
    arm.variance = m.variance;
  }
  arm.unadjusted_mean = arm.mean;
  return arm;
}

Arm CupedArm(MetricType metric, const VariantSums& v, double theta) {
  const CovariateSums& c = *v.covariate;
  Arm arm;
  arm.kind = Arm::Kind::kCuped;
  arm.n = v.n;
  arm.post = MomentsOf(metric, v.n, v.sum, v.sum_squares);
  arm.pre = MomentsOf(metric, v.n, c.sum, c.sum_squares);
  arm.covariance = Covariance(metric == MetricType::kBinomial, v.n, v.sum, c.sum, c.sum_products);
  arm.mean = arm.post.mean - theta * arm.pre.mean;
  arm.unadjusted_mean = arm.post.mean;
  arm.variance =
      v.n <= 1 ? 0.0
               : arm.post.variance + theta * theta * arm.pre.variance - 2 * theta * arm.covariance;
  return arm;
}

// θ from the pooled arms (compute_theta): Cov(X, Y) / Var(X); 0 when either pooled variance is 0.
double PooledTheta(MetricType metric, const VariantSums& a, const VariantSums& b) {
  const std::int64_t n = a.n + b.n;
  const SampleMoments post = MomentsOf(metric, n, a.sum + b.sum, a.sum_squares + b.sum_squares);
  const SampleMoments pre = MomentsOf(metric, n, a.covariate->sum + b.covariate->sum,
                                      a.covariate->sum_squares + b.covariate->sum_squares);
  if (pre.variance == 0 || post.variance == 0) return 0;
  const double covariance = Covariance(metric == MetricType::kBinomial, n, a.sum + b.sum,
                                       a.covariate->sum + b.covariate->sum,
                                       a.covariate->sum_products + b.covariate->sum_products);
  return covariance / pre.variance;
}

Arm RatioCupedArm(const RatioCupedParts& p, double theta) {
  Arm arm;
  arm.kind = Arm::Kind::kRatioCuped;
  arm.n = p.n;
  for (int i = 0; i < 4; ++i) arm.betahat[i] = p.moments[i].mean;
  arm.lambda = p.lambda;
  arm.nabla = RatioCupedNabla(p, theta);
  const double mean_post = p.d_post_sum == 0 ? 0.0 : p.sums[0] / p.d_post_sum;
  const double mean_pre = p.d_pre_sum == 0 ? 0.0 : p.sums[2] / p.d_pre_sum;
  arm.mean = (p.d_post_sum == 0 || p.d_pre_sum == 0) ? 0.0 : mean_post - theta * mean_pre;
  arm.unadjusted_mean = mean_post;
  arm.variance = Quadratic(arm.nabla, arm.lambda, arm.nabla, 0, 0, 4);
  return arm;
}

// θ for ratio CUPED (compute_theta_regression_adjusted_ratio): from the gradient at θ = 1,
// −(cov_a + cov_b)/(var_pre_a + var_pre_b).
double RatioCupedTheta(const RatioCupedParts& a, const RatioCupedParts& b) {
  const Vector4 na = RatioCupedNabla(a, 1), nb = RatioCupedNabla(b, 1);
  const double var_pre =
      Quadratic(na, a.lambda, na, 2, 2, 2) + Quadratic(nb, b.lambda, nb, 2, 2, 2);
  if (var_pre == 0) return 0;
  const double cov = Quadratic(na, a.lambda, na, 2, 0, 2) + Quadratic(nb, b.lambda, nb, 2, 0, 2);
  return -cov / var_pre;
}

// Var of the relative effect with CUPED (frequentist_variance_relative_cuped): θ taken as
// known; the control's gradient drops the small θ(m_Xa − m_Xb) term, as gbstats does.
double RelativeCupedVariance(const Arm& a, const Arm& b, double theta) {
  const double u_a = a.unadjusted_mean;
  const double den_b = static_cast<double>(b.n) * u_a * u_a;
  const double den_a = static_cast<double>(a.n) * u_a * u_a;
  if (den_b == 0 || den_a == 0) return 0;
  const double v_b =
      (b.post.variance + theta * theta * b.pre.variance - 2 * theta * b.covariance) / den_b;
  const double c = -b.post.mean;
  const double part_a = a.post.variance * c * c / (a.post.mean * a.post.mean);
  const double part_b = 2 * theta * a.covariance * c / a.post.mean;
  const double part_c = theta * theta * a.pre.variance;
  return v_b + (part_a + part_b + part_c) / den_a;
}

// Var of the relative effect with ratio CUPED (frequentist_variance_relative_cuped_ratio): the
// delta method on each arm's 4-vector, the control gradient carrying the sign of u_a.
double RelativeRatioCupedVariance(const Arm& a, const Arm& b) {
  const double d_post = a.betahat[1];
  if (a.unadjusted_mean == 0 || d_post == 0) return 0;
  const double g_abs = b.mean - a.mean;
  const double g = std::fabs(a.unadjusted_mean);
  const double sign = a.unadjusted_mean < 0 ? -1.0 : 1.0;
  const double m_post = a.betahat[0];
  const Vector4 nabla_a = {
      -(g + sign * g_abs) / d_post / (g * g),
      (m_post * g / (d_post * d_post) + sign * m_post * g_abs / (d_post * d_post)) / (g * g),
      -a.nabla[2] / g,
      -a.nabla[3] / g,
  };
  Vector4 nabla_b{};
  for (int i = 0; i < 4; ++i) nabla_b[i] = b.nabla[i] / g;
  return Quadratic(nabla_a, a.lambda, nabla_a, 0, 0, 4) / static_cast<double>(a.n) +
         Quadratic(nabla_b, b.lambda, nabla_b, 0, 0, 4) / static_cast<double>(b.n);
}

double EffectVariance(const Arm& a, const Arm& b, bool relative, double theta) {
  if (relative && a.kind == Arm::Kind::kCuped) return RelativeCupedVariance(a, b, theta);
  if (relative && a.kind == Arm::Kind::kRatioCuped) return RelativeRatioCupedVariance(a, b);
  const auto n_a = static_cast<double>(a.n), n_b = static_cast<double>(b.n);
  if (!relative) return b.variance / n_b + a.variance / n_a;
  // A control mean of 0 makes the ratio's variance undefined; gbstats reports it as 0, which
  // then reads as ZERO_NEGATIVE_VARIANCE.
  if (a.unadjusted_mean == 0) return 0;
  return VarianceOfRatio(b.unadjusted_mean, b.variance / n_b, a.unadjusted_mean, a.variance / n_a,
                         0);
}

EffectMoments Refused(AnalysisError error) {
  EffectMoments result;
  result.error = error;
  return result;
}

}  // namespace

EffectMoments ComputeEffectMoments(MetricType metric, const VariantSums& control,
                                   const VariantSums& treatment, DifferenceType difference) {
  const bool relative = difference == DifferenceType::kRelative;
  Arm a, b;
  double theta = 0;
  if (metric == MetricType::kRatio && control.ratio_covariate && treatment.ratio_covariate) {
    const RatioCupedParts pa = RatioCupedPartsOf(control), pb = RatioCupedPartsOf(treatment);
    theta = RatioCupedTheta(pa, pb);
    if (std::fabs(theta) < 1e-8) {
      theta = 0;
      a = PlainArm(metric, control);
      b = PlainArm(metric, treatment);
    } else {
      a = RatioCupedArm(pa, theta);
      b = RatioCupedArm(pb, theta);
    }
  } else if (metric != MetricType::kRatio && control.covariate && treatment.covariate) {
    theta = PooledTheta(metric, control, treatment);
    if (theta == 0) {
      a = PlainArm(metric, control);
      b = PlainArm(metric, treatment);
    } else {
      a = CupedArm(metric, control, theta);
      b = CupedArm(metric, treatment, theta);
    }
  } else {
    a = PlainArm(metric, control);
    b = PlainArm(metric, treatment);
  }

  if (a.variance <= 0 || b.variance <= 0) return Refused(AnalysisError::kZeroNegativeVariance);
  const double variance = EffectVariance(a, b, relative, theta);
  if (variance <= 0) return Refused(AnalysisError::kZeroNegativeVariance);
  if (a.mean == 0 || a.unadjusted_mean == 0) {
    return Refused(AnalysisError::kZeroNegativeBaselineVariation);
  }

  EffectMoments result;
  result.estimate = relative ? (b.mean - a.mean) / std::fabs(a.unadjusted_mean) : b.mean - a.mean;
  result.variance = variance;
  result.standard_error = std::sqrt(variance);
  result.control_n = a.n;
  result.treatment_n = b.n;
  result.control_variance = a.variance;
  result.treatment_variance = b.variance;
  result.control_mean = a.mean;
  result.control_unadjusted_mean = a.unadjusted_mean;
  result.theta = theta;
  return result;
}

}  // namespace aurora::stats
