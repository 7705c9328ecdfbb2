#pragma once

// Multiple-comparison corrections. gbstats itself applies none: GrowthBook adjusts in its
// TypeScript layer (packages/shared/src/experiments/experiments.ts), pooling the p-values of all
// variations × metrics of an analysis. Pure functions: thread-safe.

#include <array>
#include <span>
#include <vector>

namespace aurora::stats {

/// Holm–Bonferroni adjusted p-values, in the input's order (family-wise error rate).
std::vector<double> AdjustPValuesHolmBonferroni(std::span<const double> p_values);

/// Benjamini–Hochberg adjusted p-values, in the input's order (false discovery rate).
std::vector<double> AdjustPValuesBenjaminiHochberg(std::span<const double> p_values);

/// A two-sided CI widened to match an adjusted p-value: the lift is kept, its standard
/// deviation becomes |lift|/Φ⁻¹(1 − p_adjusted/2) and the half-width Φ⁻¹(1 − α/2) times that.
std::array<double, 2> AdjustedConfidenceInterval(double lift, double p_adjusted, double alpha);

}  // namespace aurora::stats
