#include "stats/distributions.hpp"

#include <cmath>
#include <limits>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/special_functions/beta.hpp>

namespace aurora::stats {
namespace {

namespace bmp = boost::math::policies;

// Expected failures are values in this part, so Boost.Math reports domain and overflow
// problems as NaN / ±∞ instead of throwing.
using NoThrow =
    bmp::policy<bmp::domain_error<bmp::ignore_error>, bmp::pole_error<bmp::ignore_error>,
                bmp::overflow_error<bmp::ignore_error>, bmp::underflow_error<bmp::ignore_error>,
                bmp::evaluation_error<bmp::ignore_error>, bmp::rounding_error<bmp::ignore_error>>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

double NormalPdf(double x) {
  if (std::isnan(x)) return kNaN;
  return boost::math::pdf(boost::math::normal_distribution<double, NoThrow>(), x);
}

double NormalCdf(double x) {
  if (std::isnan(x)) return kNaN;
  if (std::isinf(x)) return x > 0 ? 1.0 : 0.0;
  return boost::math::cdf(boost::math::normal_distribution<double, NoThrow>(), x);
}

double NormalQuantile(double p) {
  if (std::isnan(p) || p < 0 || p > 1) return kNaN;
  if (p == 0) return -kInf;
  if (p == 1) return kInf;
  return boost::math::quantile(boost::math::normal_distribution<double, NoThrow>(), p);
}

double StudentTCdf(double t, double dof) {
  if (std::isnan(t) || std::isnan(dof) || dof <= 0) return kNaN;
  if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
  if (std::isinf(dof)) return NormalCdf(t);
  // Formed the way scipy 1.10 (cdflib's cumt, TOMS 708's bratio) forms it, because gbstats
  // takes 1 − F(t) of this double: with a = P(|T| > |t|) = I_{ν/(ν+t²)}(ν/2, 1/2), the upper
  // half is 1 − a computed as 0.5 + (0.5 − a), then a/2 is added. Both roundings are kept, so
  // a tiny p-value lands on the same double as gbstats' (the exact value can be 2e-16 away).
  const double tt = t * t;
  const double yy = tt / (dof + tt);
  const double a = boost::math::ibetac(0.5, dof / 2, yy, NoThrow());  // = I_xx(ν/2, 1/2)
  if (t <= 0) return 0.5 * a;
  const double one_minus_a = 0.5 + (0.5 - a);
  return one_minus_a + 0.5 * a;
}

double StudentTQuantile(double p, double dof) {
  if (std::isnan(p) || std::isnan(dof) || dof <= 0 || p < 0 || p > 1) return kNaN;
  if (p == 0) return -kInf;
  if (p == 1) return kInf;
  return boost::math::quantile(boost::math::students_t_distribution<double, NoThrow>(dof), p);
}

double ChiSquaredSurvival(double x, double dof) {
  if (std::isnan(x) || std::isnan(dof) || dof <= 0) return kNaN;
  if (x <= 0) return 1.0;
  if (std::isinf(x)) return 0.0;
  return boost::math::cdf(
      boost::math::complement(boost::math::chi_squared_distribution<double, NoThrow>(dof), x));
}

}  // namespace aurora::stats
