#include "engine/model/model.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

namespace aurora::engine {
namespace {

template <class E, std::size_t N>
std::optional<E> Lookup(const std::array<std::pair<E, const char*>, N>& table, std::string_view s) {
  for (const auto& [value, name] : table) {
    if (s == name) return value;
  }
  return std::nullopt;
}

template <class E, std::size_t N>
const char* NameOf(const std::array<std::pair<E, const char*>, N>& table, E e) {
  for (const auto& [value, name] : table) {
    if (value == e) return name;
  }
  return "?";
}

constexpr std::array<std::pair<AttributeType, const char*>, 5> kAttributeTypes{{
    {AttributeType::kString, "string"},
    {AttributeType::kNumber, "number"},
    {AttributeType::kBoolean, "boolean"},
    {AttributeType::kEnum, "enum"},
    {AttributeType::kSemver, "semver"},
}};
constexpr std::array<std::pair<ParameterType, const char*>, 4> kParameterTypes{{
    {ParameterType::kString, "string"},
    {ParameterType::kNumber, "number"},
    {ParameterType::kBoolean, "boolean"},
    {ParameterType::kJson, "json"},
}};
constexpr std::array<std::pair<Operator, const char*>, 13> kOperators{{
    {Operator::kEquals, "equals"},
    {Operator::kNotEquals, "not_equals"},
    {Operator::kContains, "contains"},
    {Operator::kNotContains, "not_contains"},
    {Operator::kStartsWith, "starts_with"},
    {Operator::kEndsWith, "ends_with"},
    {Operator::kIn, "in"},
    {Operator::kNotIn, "not_in"},
    {Operator::kMatches, "matches"},
    {Operator::kGreaterThan, "greater_than"},
    {Operator::kGreaterThanOrEqual, "greater_than_or_equal"},
    {Operator::kLessThan, "less_than"},
    {Operator::kLessThanOrEqual, "less_than_or_equal"},
}};
constexpr std::array<std::pair<RuleType, const char*>, 2> kRuleTypes{{
    {RuleType::kAttribute, "attribute"},
    {RuleType::kSegment, "segment"},
}};
constexpr std::array<std::pair<MatchType, const char*>, 2> kMatchTypes{{
    {MatchType::kMatch, "match"},
    {MatchType::kNotMatch, "not_match"},
}};
constexpr std::array<std::pair<ExperimentStatus, const char*>, 6> kStatuses{{
    {ExperimentStatus::kDraft, "draft"},
    {ExperimentStatus::kScheduled, "scheduled"},
    {ExperimentStatus::kRunning, "running"},
    {ExperimentStatus::kPaused, "paused"},
    {ExperimentStatus::kCompleted, "completed"},
    {ExperimentStatus::kAborted, "aborted"},
}};

}  // namespace

const char* Name(AttributeType t) { return NameOf(kAttributeTypes, t); }
const char* Name(ParameterType t) { return NameOf(kParameterTypes, t); }
const char* Name(Operator op) { return NameOf(kOperators, op); }
const char* Name(RuleType t) { return NameOf(kRuleTypes, t); }
const char* Name(MatchType t) { return NameOf(kMatchTypes, t); }
const char* Name(ExperimentStatus s) { return NameOf(kStatuses, s); }
std::optional<AttributeType> ParseAttributeType(std::string_view s) { return Lookup(kAttributeTypes, s); }
std::optional<ParameterType> ParseParameterType(std::string_view s) { return Lookup(kParameterTypes, s); }
std::optional<Operator> ParseOperator(std::string_view s) { return Lookup(kOperators, s); }
std::optional<RuleType> ParseRuleType(std::string_view s) { return Lookup(kRuleTypes, s); }
std::optional<MatchType> ParseMatchType(std::string_view s) { return Lookup(kMatchTypes, s); }
std::optional<ExperimentStatus> ParseExperimentStatus(std::string_view s) { return Lookup(kStatuses, s); }

std::optional<Hundredths> PercentToHundredths(double percent) {
  if (!std::isfinite(percent) || std::fabs(percent) > 1e9) return std::nullopt;
  const double scaled = percent * 100.0;
  const double rounded = std::nearbyint(scaled);
  // x*100 of a two-decimal number lands within a few ulps of a whole number (0.29*100 =
  // 28.999999999999996); a third decimal leaves at least 0.001*100 = 0.1 of distance.
  if (std::fabs(scaled - rounded) > 1e-7) return std::nullopt;  // x*100 of two decimals errs by ~1e-12
  if (rounded == 0 && percent != 0) return std::nullopt;  // 4.9e-324 is not 0.00
  return static_cast<Hundredths>(rounded);
}

bool OperatorFits(AttributeType t, Operator op) {
  switch (t) {
    case AttributeType::kString:
      return op == Operator::kEquals || op == Operator::kNotEquals || op == Operator::kContains ||
             op == Operator::kNotContains || op == Operator::kStartsWith ||
             op == Operator::kEndsWith || op == Operator::kIn || op == Operator::kNotIn ||
             op == Operator::kMatches;
    case AttributeType::kNumber:
      return op == Operator::kEquals || op == Operator::kNotEquals || op == Operator::kIn ||
             op == Operator::kNotIn || op == Operator::kGreaterThan ||
             op == Operator::kGreaterThanOrEqual || op == Operator::kLessThan ||
             op == Operator::kLessThanOrEqual;
    case AttributeType::kBoolean:
      return op == Operator::kEquals || op == Operator::kNotEquals;
    case AttributeType::kEnum:
      return op == Operator::kEquals || op == Operator::kNotEquals || op == Operator::kIn ||
             op == Operator::kNotIn;
    case AttributeType::kSemver:
      return op == Operator::kEquals || op == Operator::kNotEquals ||
             op == Operator::kGreaterThan || op == Operator::kGreaterThanOrEqual ||
             op == Operator::kLessThan || op == Operator::kLessThanOrEqual;
  }
  return false;
}

}  // namespace aurora::engine
