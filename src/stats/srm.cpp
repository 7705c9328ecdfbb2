#include "stats/srm.hpp"

#include <limits>

#include "stats/distributions.hpp"

namespace aurora::stats {

double SrmPValue(std::span<const std::int64_t> observed, std::span<const double> weights) {
  if (observed.size() != weights.size()) return std::numeric_limits<double>::quiet_NaN();
  double total_observed = 0;
  for (const std::int64_t o : observed) total_observed += static_cast<double>(o);
  if (total_observed == 0) return 1.0;
  double total_weight = 0;
  for (const double w : weights) total_weight += w;
  double statistic = 0;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    if (weights[i] <= 0) continue;
    const double expected = weights[i] / total_weight * total_observed;
    const double diff = static_cast<double>(observed[i]) - expected;
    statistic += diff * diff / expected;
  }
  return ChiSquaredSurvival(statistic, static_cast<double>(observed.size()) - 1);
}

}  // namespace aurora::stats
