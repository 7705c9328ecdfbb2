#include "stats/multiple_comparisons.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "stats/distributions.hpp"

namespace aurora::stats {
namespace {

std::vector<std::size_t> Order(std::span<const double> p_values, bool ascending) {
  std::vector<std::size_t> order(p_values.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return ascending ? p_values[a] < p_values[b] : p_values[a] > p_values[b];
  });
  return order;
}

}  // namespace

std::vector<double> AdjustPValuesHolmBonferroni(std::span<const double> p_values) {
  const std::size_t m = p_values.size();
  std::vector<double> adjusted(m);
  double running = 0;
  const auto order = Order(p_values, true);
  for (std::size_t i = 0; i < m; ++i) {
    const double p = std::min(1.0, p_values[order[i]] * static_cast<double>(m - i));
    running = std::max(running, p);  // non-decreasing in the sorted order
    adjusted[order[i]] = running;
  }
  return adjusted;
}

std::vector<double> AdjustPValuesBenjaminiHochberg(std::span<const double> p_values) {
  const std::size_t m = p_values.size();
  std::vector<double> adjusted(m);
  double running = 1;
  const auto order = Order(p_values, false);
  for (std::size_t i = 0; i < m; ++i) {
    const double p =
        std::min(1.0, p_values[order[i]] * static_cast<double>(m) / static_cast<double>(m - i));
    running = std::min(running, p);  // non-increasing in the sorted (descending) order
    adjusted[order[i]] = running;
  }
  return adjusted;
}

std::array<double, 2> AdjustedConfidenceInterval(double lift, double p_adjusted, double alpha) {
  const double sd = std::fabs(lift) / NormalQuantile(1 - p_adjusted / 2);
  const double halfwidth = NormalQuantile(1 - alpha / 2) * sd;
  return {lift - halfwidth, lift + halfwidth};
}

}  // namespace aurora::stats
