#pragma once

// Sample-ratio mismatch (gbstats utils.check_srm). Pure function: thread-safe.

#include <cstdint>
#include <span>

namespace aurora::stats {

/// GrowthBook warns about a sample-ratio mismatch below this p-value.
inline constexpr double kSrmThreshold = 0.001;

/// Pearson's chi-square goodness-of-fit p-value of the users observed per variant against the
/// configured weights (which need not sum to 1). Variants with weight ≤ 0 are left out of the
/// statistic but still count in the k − 1 degrees of freedom, as in gbstats. No users at all
/// gives 1; fewer than two variants, or sizes that differ, give NaN.
double SrmPValue(std::span<const std::int64_t> observed, std::span<const double> weights);

}  // namespace aurora::stats
