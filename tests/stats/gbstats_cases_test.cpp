// Runs every gbstats reference case through aurora::stats directly (the CLI test runs them
// through `aurora stats --cases`). See testdata/gbstats/README.md.

#include "stats/gbstats_cases.hpp"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "stats/bayesian.hpp"
#include "stats/frequentist.hpp"
#include "stats/srm.hpp"

namespace aurora::stats {
namespace {

using nlohmann::json;

json Number(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  return x;
}

VariantSums Variant(const json& s, MetricType metric) {
  VariantSums v;
  v.n = s.at("n").get<std::int64_t>();
  v.sum = s.at("sum").get<double>();
  v.sum_squares = s.at("sumSquares").get<double>();
  if (metric == MetricType::kRatio) {
    v.denominator = DenominatorSums{s.at("denominatorSum").get<double>(),
                                    s.at("denominatorSumSquares").get<double>(),
                                    s.at("sumProducts").get<double>()};
  }
  if (s.contains("covariateSum")) {
    v.covariate =
        CovariateSums{s.at("covariateSum").get<double>(), s.at("covariateSumSquares").get<double>(),
                      s.at("covariateSumProducts").get<double>()};
  }
  return v;
}

// The library's answer to one case, in the cases' output form.
json RunCase(const json& in) {
  const std::string test = in.at("test").get<std::string>();
  if (test == "srm") {
    const auto observed = in.at("observed").get<std::vector<std::int64_t>>();
    const auto weights = in.at("weights").get<std::vector<double>>();
    return json{{"pValue", Number(SrmPValue(observed, weights))}};
  }
  const std::string m = in.at("metric").get<std::string>();
  const MetricType metric = m == "ratio"      ? MetricType::kRatio
                            : m == "binomial" ? MetricType::kBinomial
                                              : MetricType::kMean;
  const DifferenceType difference =
      in.at("difference") == "absolute" ? DifferenceType::kAbsolute : DifferenceType::kRelative;
  const VariantSums control = Variant(in.at("control"), metric);
  const VariantSums treatment = Variant(in.at("treatment"), metric);
  json out;
  if (test == "frequentist") {
    FrequentistOptions options;
    options.difference = difference;
    options.alpha = in.at("alpha").get<double>();
    if (in.contains("sequentialTuning"))
      options.sequential_tuning = in["sequentialTuning"].get<double>();
    const FrequentistResult r = RunFrequentistTest(metric, control, treatment, options);
    out = {{"expected", Number(r.expected)},
           {"ci", {Number(r.ci[0]), Number(r.ci[1])}},
           {"pValue", r.p_value ? Number(*r.p_value) : json(nullptr)}};
    if (r.error) out["error"] = AnalysisErrorName(*r.error);
    if (r.p_value_error) out["pValueError"] = PValueErrorName(*r.p_value_error);
    return out;
  }
  BayesianOptions options;
  options.difference = difference;
  options.alpha = in.at("alpha").get<double>();
  if (in.contains("prior")) {
    options.prior = {in["prior"].at("mean").get<double>(), in["prior"].at("variance").get<double>(),
                     in["prior"].at("proper").get<bool>()};
  }
  const BayesianResult r = RunBayesianTest(metric, control, treatment, options);
  out = {{"expected", Number(r.expected)},
         {"ci", {Number(r.ci[0]), Number(r.ci[1])}},
         {"chanceToWin", Number(r.chance_to_win)},
         {"risk", {Number(r.risk[0]), Number(r.risk[1])}}};
  if (r.error) out["error"] = AnalysisErrorName(*r.error);
  return out;
}

class GbstatsCaseTest : public ::testing::TestWithParam<testing::GbstatsCase> {};

TEST_P(GbstatsCaseTest, MatchesGbstats) {
  const testing::GbstatsCase& c = GetParam();
  EXPECT_TRUE(testing::MatchesGbstats(RunCase(c.input), c.expected)) << c.input.dump();
}

INSTANTIATE_TEST_SUITE_P(Reference, GbstatsCaseTest,
                         ::testing::ValuesIn(testing::LoadGbstatsCases()),
                         [](const ::testing::TestParamInfo<testing::GbstatsCase>& param) {
                           std::string name = param.param.id;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

TEST(GbstatsCasesTest, TheReferenceSetIsPresentAndCoversEveryTest) {
  const auto cases = testing::LoadGbstatsCases();
  EXPECT_GE(cases.size(), 50u) << testing::GbstatsCasesFile();
  std::set<std::string> tests;
  for (const auto& c : cases) tests.insert(c.input.at("test").get<std::string>());
  EXPECT_EQ(tests, (std::set<std::string>{"frequentist", "bayesian", "srm"}));
}

}  // namespace
}  // namespace aurora::stats
