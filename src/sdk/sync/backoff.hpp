#pragma once

#include <algorithm>
#include <chrono>

namespace aurora::sdk {

/// The wait before retry number `failures` (1 for the first retry): `initial` doubled per
/// further failure, capped at `max`, then "equal jitter": half of it fixed and half scaled by
/// `random01` in [0, 1), so clients that failed together do not retry together.
inline std::chrono::milliseconds BackoffDelay(int failures, std::chrono::milliseconds initial,
                                              std::chrono::milliseconds max, double random01) {
  initial = std::max(initial, std::chrono::milliseconds(1));
  max = std::max(max, initial);
  std::chrono::milliseconds base = initial;
  for (int i = 1; i < failures && base < max; ++i) base *= 2;
  base = std::min(base, max);
  random01 = std::clamp(random01, 0.0, 1.0);
  const auto half = base / 2;
  return half + std::chrono::milliseconds(static_cast<std::int64_t>(
                    static_cast<double>((base - half).count()) * random01));
}

}  // namespace aurora::sdk
