#pragma once

// The distribution functions the tests need, on Boost.Math with a policy that never throws:
// an argument outside the domain gives NaN. Pure functions: thread-safe.

namespace aurora::stats {

/// Standard normal density φ(x).
double NormalPdf(double x);

/// Standard normal CDF Φ(x), accurate in both tails (relative error ~1e-16).
double NormalCdf(double x);

/// Standard normal quantile Φ⁻¹(p) for p in (0, 1); ±∞ at 0 and 1, NaN outside.
double NormalQuantile(double p);

/// Student's t CDF with `dof` (real, > 0) degrees of freedom, accurate to ~1 ulp. Its last
/// bit follows scipy's (cdflib) way of forming F(t) for t > 0, so that p-values taken as
/// 1 − F(t) equal gbstats' to the last bit.
double StudentTCdf(double t, double dof);

/// Student's t quantile with `dof` (real, > 0) degrees of freedom, p in (0, 1).
double StudentTQuantile(double p, double dof);

/// Upper tail P(X > x) of the chi-square distribution with `dof` > 0 degrees of freedom,
/// computed directly (exact far into the tail, not as 1 − CDF).
double ChiSquaredSurvival(double x, double dof);

}  // namespace aurora::stats
