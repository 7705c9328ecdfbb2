#pragma once

// Small builders shared by the stats unit tests.

#include <cstdint>

#include "stats/sufficient_statistics.hpp"

namespace aurora::stats {

/// One arm's sums: n units whose values add up to `sum` and whose squares add up to `sum_squares`.
inline VariantSums Sums(std::int64_t n, double sum, double sum_squares) {
  VariantSums v;
  v.n = n;
  v.sum = sum;
  v.sum_squares = sum_squares;
  return v;
}

}  // namespace aurora::stats
