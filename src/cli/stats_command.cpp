#include "cli/commands.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aurora/result.hpp"
#include "cli/case_lines.hpp"
#include "engine/codec/json.hpp"
#include "stats/bayesian.hpp"
#include "stats/frequentist.hpp"
#include "stats/srm.hpp"

namespace aurora::cli {
namespace {

using nlohmann::json;
// Results keep SPEC §13's field order: expected, ci, pValue | chanceToWin, risk, error.
using OutputJson = nlohmann::ordered_json;

constexpr const char* kUsage =
    "usage: aurora stats --cases FILE\n"
    "  Reads one JSON object per line (SPEC 13) and prints one result object per line:\n"
    "  {\"test\": \"frequentist\"|\"bayesian\", \"metric\": \"mean\"|\"binomial\"|\"ratio\",\n"
    "   \"difference\": \"relative\"|\"absolute\", \"alpha\", \"sequentialTuning\"?,\n"
    "   \"prior\"?: {\"mean\", \"variance\", \"proper\"}, \"control\": S, \"treatment\": S}\n"
    "  with S = {\"n\", \"sum\", \"sumSquares\"} (+ \"denominatorSum\", "
    "\"denominatorSumSquares\",\n"
    "  \"sumProducts\" for ratio; + \"covariateSum\", \"covariateSumSquares\",\n"
    "  \"covariateSumProducts\" for CUPED), or {\"test\": \"srm\", \"observed\": [..], "
    "\"weights\": [..]}.\n"
    "  Also accepted: \"alternative\": \"two-sided\"|\"greater\"|\"lesser\" (frequentist) and\n"
    "  \"inverse\": true (bayesian, lower is better).\n"
    "  Output: {\"expected\", \"ci\", \"pValue\"|\"chanceToWin\"+\"risk\", \"error\"?, "
    "\"pValueError\"?}\n"
    "  or {\"pValue\"} for srm; non-finite numbers as \"NaN\", \"Infinity\", \"-Infinity\".\n"
    "  A line that cannot be read gives {\"error\": {\"code\": \"invalid_argument\", "
    "\"message\"}}\n"
    "  and the next line is read; exit 0. A file that cannot be read: exit 2.\n";

OutputJson Number(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  return x;
}

OutputJson Pair(const std::array<double, 2>& values) {
  return OutputJson::array({Number(values[0]), Number(values[1])});
}

const json* Find(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

// Reads the fields of one case line. The first problem is kept and the readers return neutral
// values after it, so a whole case is read before its one error is reported.
class CaseReader {
 public:
  bool failed() const { return error_.has_value(); }
  const Error& error() const { return *error_; }

  void Fail(std::string message) {
    if (!error_) error_ = Error{ErrorCode::kInvalidArgument, std::move(message)};
  }

  double RequiredNumber(const json& object, const char* key, const std::string& path) {
    const json* v = Find(object, key);
    if (v == nullptr || !v->is_number() || !std::isfinite(v->get<double>())) {
      Fail(path + key + ": must be a finite number");
      return 0;
    }
    return v->get<double>();
  }

  std::optional<double> OptionalNumber(const json& object, const char* key,
                                       const std::string& path) {
    if (Find(object, key) == nullptr) return std::nullopt;
    return RequiredNumber(object, key, path);
  }

  std::int64_t Count(const json* value, const std::string& where) {
    if (value != nullptr && value->is_number_unsigned() &&
        value->get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX)) {
      return static_cast<std::int64_t>(value->get<std::uint64_t>());
    }
    if (value != nullptr && value->is_number_float()) {
      // 3407.0 is a count too; anything fractional, negative or out of range is not.
      const double x = value->get<double>();
      if (x >= 0 && x < 9.2e18 && std::floor(x) == x) return static_cast<std::int64_t>(x);
    }
    Fail(where + ": must be a non-negative integer");
    return 0;
  }

  std::string String(const json& object, const char* key) {
    const json* v = Find(object, key);
    if (v == nullptr || !v->is_string()) {
      Fail(std::string(key) + ": must be a string");
      return {};
    }
    return v->get<std::string>();
  }

  bool Boolean(const json& object, const char* key, const std::string& path, bool fallback) {
    const json* v = Find(object, key);
    if (v == nullptr) return fallback;
    if (!v->is_boolean()) {
      Fail(path + key + ": must be a boolean");
      return fallback;
    }
    return v->get<bool>();
  }

 private:
  std::optional<Error> error_;
};

stats::VariantSums ReadVariant(CaseReader& reader, const json& doc, const char* key,
                               stats::MetricType metric) {
  stats::VariantSums s;
  const json* v = Find(doc, key);
  const std::string path = std::string(key) + ".";
  if (v == nullptr || !v->is_object()) {
    reader.Fail(std::string(key) + ": must be an object");
    return s;
  }
  const bool binomial = metric == stats::MetricType::kBinomial;
  s.n = reader.Count(Find(*v, "n"), path + "n");
  s.sum = reader.RequiredNumber(*v, "sum", path);
  // A binomial metric's Σy² is Σy; gbstats ignores whatever is passed.
  s.sum_squares = binomial ? reader.OptionalNumber(*v, "sumSquares", path).value_or(s.sum)
                           : reader.RequiredNumber(*v, "sumSquares", path);
  if (metric == stats::MetricType::kRatio) {
    stats::DenominatorSums d;
    d.sum = reader.RequiredNumber(*v, "denominatorSum", path);
    d.sum_squares = reader.RequiredNumber(*v, "denominatorSumSquares", path);
    d.sum_products = reader.RequiredNumber(*v, "sumProducts", path);
    s.denominator = d;
  }
  const bool has_covariate = Find(*v, "covariateSum") != nullptr ||
                             Find(*v, "covariateSumSquares") != nullptr ||
                             Find(*v, "covariateSumProducts") != nullptr;
  if (has_covariate) {
    if (metric == stats::MetricType::kRatio) {
      reader.Fail(path + "covariateSum: CUPED is not available for ratio metrics");
      return s;
    }
    stats::CovariateSums c;
    c.sum = reader.RequiredNumber(*v, "covariateSum", path);
    c.sum_squares = binomial
                        ? reader.OptionalNumber(*v, "covariateSumSquares", path).value_or(c.sum)
                        : reader.RequiredNumber(*v, "covariateSumSquares", path);
    c.sum_products = reader.RequiredNumber(*v, "covariateSumProducts", path);
    s.covariate = c;
  }
  return s;
}

Result<OutputJson> RunSrm(const json& doc) {
  CaseReader reader;
  const json* observed = Find(doc, "observed");
  const json* weights = Find(doc, "weights");
  if (observed == nullptr || !observed->is_array()) reader.Fail("observed: must be an array");
  if (weights == nullptr || !weights->is_array()) reader.Fail("weights: must be an array");
  if (reader.failed()) return reader.error();
  if (observed->size() != weights->size()) {
    return Error{ErrorCode::kInvalidArgument, "weights: must have as many entries as observed"};
  }
  std::vector<std::int64_t> users;
  std::vector<double> w;
  for (std::size_t i = 0; i < observed->size(); ++i) {
    const std::string index = "[" + std::to_string(i) + "]";
    users.push_back(reader.Count(&(*observed)[i], "observed" + index));
    const json& wi = (*weights)[i];
    if (!wi.is_number() || !std::isfinite(wi.get<double>())) {
      reader.Fail("weights" + index + ": must be a finite number");
    } else {
      w.push_back(wi.get<double>());
    }
  }
  if (reader.failed()) return reader.error();
  OutputJson out = OutputJson::object();
  out["pValue"] = Number(stats::SrmPValue(users, w));
  return out;
}

OutputJson FrequentistJson(const stats::FrequentistResult& r) {
  OutputJson out = OutputJson::object();
  out["expected"] = Number(r.expected);
  out["ci"] = Pair(r.ci);
  out["pValue"] = r.p_value ? Number(*r.p_value) : OutputJson(nullptr);
  if (r.error) out["error"] = stats::AnalysisErrorName(*r.error);
  if (r.p_value_error) out["pValueError"] = stats::PValueErrorName(*r.p_value_error);
  return out;
}

OutputJson BayesianJson(const stats::BayesianResult& r) {
  OutputJson out = OutputJson::object();
  out["expected"] = Number(r.expected);
  out["ci"] = Pair(r.ci);
  out["chanceToWin"] = Number(r.chance_to_win);
  out["risk"] = Pair(r.risk);
  if (r.error) out["error"] = stats::AnalysisErrorName(*r.error);
  return out;
}

Result<OutputJson> RunCase(const json& doc) {
  CaseReader reader;
  const std::string test = reader.String(doc, "test");
  if (reader.failed()) return reader.error();
  if (test == "srm") return RunSrm(doc);
  if (test != "frequentist" && test != "bayesian") {
    return Error{ErrorCode::kInvalidArgument,
                 "test: must be \"frequentist\", \"bayesian\" or \"srm\""};
  }
  const std::string metric_name = reader.String(doc, "metric");
  stats::MetricType metric = stats::MetricType::kMean;
  if (metric_name == "binomial") {
    metric = stats::MetricType::kBinomial;
  } else if (metric_name == "ratio") {
    metric = stats::MetricType::kRatio;
  } else if (metric_name != "mean") {
    reader.Fail("metric: must be \"mean\", \"binomial\" or \"ratio\"");
  }
  stats::DifferenceType difference = stats::DifferenceType::kRelative;
  if (Find(doc, "difference") != nullptr) {
    const std::string d = reader.String(doc, "difference");
    if (d == "absolute") {
      difference = stats::DifferenceType::kAbsolute;
    } else if (d != "relative") {
      reader.Fail("difference: must be \"relative\" or \"absolute\"");
    }
  }
  const double alpha = reader.OptionalNumber(doc, "alpha", "").value_or(0.05);
  if (!(alpha > 0 && alpha < 1)) reader.Fail("alpha: must be between 0 and 1");
  const stats::VariantSums control = ReadVariant(reader, doc, "control", metric);
  const stats::VariantSums treatment = ReadVariant(reader, doc, "treatment", metric);
  if (control.covariate.has_value() != treatment.covariate.has_value()) {
    reader.Fail("covariateSum: CUPED needs covariate sums in both control and treatment");
  }

  if (test == "frequentist") {
    stats::FrequentistOptions options;
    options.difference = difference;
    options.alpha = alpha;
    options.sequential_tuning = reader.OptionalNumber(doc, "sequentialTuning", "");
    if (options.sequential_tuning && !(*options.sequential_tuning > 0)) {
      reader.Fail("sequentialTuning: must be greater than 0");
    }
    if (Find(doc, "alternative") != nullptr) {
      const std::string a = reader.String(doc, "alternative");
      if (a == "greater") {
        options.alternative = stats::Alternative::kTreatmentGreater;
      } else if (a == "lesser") {
        options.alternative = stats::Alternative::kTreatmentLesser;
      } else if (a != "two-sided") {
        reader.Fail("alternative: must be \"two-sided\", \"greater\" or \"lesser\"");
      }
    }
    if (reader.failed()) return reader.error();
    return FrequentistJson(stats::RunFrequentistTest(metric, control, treatment, options));
  }

  stats::BayesianOptions options;
  options.difference = difference;
  options.alpha = alpha;
  if (const json* prior = Find(doc, "prior")) {
    if (!prior->is_object()) {
      reader.Fail("prior: must be an object");
    } else {
      options.prior.mean = reader.OptionalNumber(*prior, "mean", "prior.").value_or(0.0);
      options.prior.variance = reader.OptionalNumber(*prior, "variance", "prior.").value_or(1.0);
      options.prior.proper = reader.Boolean(*prior, "proper", "prior.", false);
      if (options.prior.proper && !(options.prior.variance > 0)) {
        reader.Fail("prior.variance: must be greater than 0 for a proper prior");
      }
    }
  }
  options.inverse = reader.Boolean(doc, "inverse", "", false);
  if (reader.failed()) return reader.error();
  return BayesianJson(stats::RunBayesianTest(metric, control, treatment, options));
}


}  // namespace

int RunStats(const std::vector<std::string>& args) {
  std::string cases_path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if (a == "--cases") {
      if (i + 1 >= args.size()) {
        std::cerr << "aurora stats: --cases needs a value\n" << kUsage;
        return 64;
      }
      cases_path = args[++i];
    } else {
      std::cerr << "aurora stats: unknown argument " << a << "\n" << kUsage;
      return 64;
    }
  }
  if (cases_path.empty()) {
    std::cerr << kUsage;
    return 64;
  }
  return RunCaseLines("stats", cases_path, [](const json& doc) {
    const Result<OutputJson> result = RunCase(doc);
    return result ? result->dump(-1, ' ', false, OutputJson::error_handler_t::replace)
                  : ErrorLine("invalid_argument", result.error().message);
  });
}

}  // namespace aurora::cli
