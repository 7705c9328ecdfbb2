#include "stats/sufficient_statistics.hpp"

namespace aurora::stats {

SampleMoments MomentsOf(MetricType type, std::int64_t n, double sum, double sum_squares) {
  SampleMoments m;
  m.n = static_cast<double>(n);
  m.mean = n == 0 ? 0.0 : sum / m.n;
  if (type == MetricType::kBinomial) {
    m.variance = m.mean * (1 - m.mean);
  } else {
    m.variance = n <= 1 ? 0.0 : (sum_squares - sum * sum / m.n) / (m.n - 1);
  }
  return m;
}

double Covariance(bool both_binomial, std::int64_t n, double sum_x, double sum_y,
                  double sum_products) {
  if (n <= 1) return 0;
  const auto dn = static_cast<double>(n);
  if (both_binomial) return sum_products / dn - sum_x * sum_y / (dn * dn);
  return (sum_products - sum_x * sum_y / dn) / (dn - 1);
}

double VarianceOfRatio(double mean_m, double var_m, double mean_d, double var_d, double cov_md) {
  const double d2 = mean_d * mean_d;
  return var_m / d2 + var_d * (mean_m * mean_m) / (d2 * d2) - 2 * cov_md * mean_m / (d2 * mean_d);
}

}  // namespace aurora::stats
