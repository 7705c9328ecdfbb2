#pragma once

// The Aurora model as plain structs: what a snapshot carries (SPEC §2, §4). The codec turns
// JSON into these and back; the compiler turns them into an evaluation-friendly form.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/time.hpp"

namespace aurora::engine {

enum class AttributeType { kString, kNumber, kBoolean, kEnum, kSemver };
enum class ParameterType { kString, kNumber, kBoolean, kJson };
enum class Operator {
  kEquals,
  kNotEquals,
  kContains,
  kNotContains,
  kStartsWith,
  kEndsWith,
  kIn,
  kNotIn,
  kMatches,
  kGreaterThan,
  kGreaterThanOrEqual,
  kLessThan,
  kLessThanOrEqual,
};
enum class RuleType { kAttribute, kSegment };
enum class MatchType { kMatch, kNotMatch };
enum class ExperimentStatus { kDraft, kScheduled, kRunning, kPaused, kCompleted, kAborted };

/// Percentages are integer hundredths of a percent: 0..10000.
using Hundredths = std::int32_t;
inline constexpr Hundredths kFullPercentage = 10'000;

struct Attribute {
  std::int64_t id = 0;
  std::string name;
  std::string description;
  AttributeType type = AttributeType::kString;
  std::vector<std::string> enum_options;
};

struct Condition {
  std::int64_t attribute_id = 0;  // API form; the snapshot names the attribute
  std::string attribute;
  Operator op = Operator::kEquals;
  nlohmann::json value;  // typed: scalar, or an array for in/not_in
};

struct SegmentRule {
  std::string name;
  std::vector<Condition> conditions;
};

struct Segment {
  std::int64_t id = 0;
  std::string name;
  std::string description;
  std::vector<SegmentRule> rules;
};

struct Rollout {
  Hundredths percentage = 0;
  std::string hash_attribute;
};

struct ParameterRule {
  std::string id;
  std::string name;
  RuleType type = RuleType::kAttribute;
  std::vector<Condition> conditions;  // attribute rules
  std::int64_t segment_id = 0;        // segment rules
  MatchType match_type = MatchType::kMatch;
  nlohmann::json value;
  std::optional<Rollout> rollout;
};

struct Parameter {
  std::int64_t id = 0;
  std::string name;
  std::string description;
  ParameterType type = ParameterType::kString;
  nlohmann::json default_value;
  bool enabled = true;
  std::vector<ParameterRule> rules;
};

struct VariantParameter {
  std::string parameter_name;
  nlohmann::json value;
};

struct Variant {
  std::int64_t id = 0;
  std::string name;
  std::string description;
  Hundredths traffic_allocation = 0;
  std::vector<VariantParameter> parameters;
};

struct Experiment {
  std::int64_t id = 0;
  std::string uuid;
  std::string name;
  std::string description;
  std::string hypothesis;
  ExperimentStatus status = ExperimentStatus::kDraft;
  std::optional<Timestamp> start_date;
  std::optional<Timestamp> end_date;
  std::string hash_attribute;
  Hundredths population = kFullPercentage;
  std::optional<std::int64_t> segment_id;
  std::vector<Variant> variants;
};

/// Everything an SDK needs, consistent at one revision.
struct Snapshot {
  static constexpr int kFormatVersion = 1;
  int format_version = kFormatVersion;
  std::int64_t revision = 0;
  std::optional<Timestamp> generated_at;
  std::vector<Attribute> attributes;
  std::vector<Segment> segments;
  std::vector<Parameter> parameters;
  std::vector<Experiment> experiments;
};

// Wire names of the enums ("string", "not_equals", "segment", ...), and their inverse.
const char* Name(AttributeType t);
const char* Name(ParameterType t);
const char* Name(Operator op);
const char* Name(RuleType t);
const char* Name(MatchType t);
const char* Name(ExperimentStatus s);
std::optional<AttributeType> ParseAttributeType(std::string_view s);
std::optional<ParameterType> ParseParameterType(std::string_view s);
std::optional<Operator> ParseOperator(std::string_view s);
std::optional<RuleType> ParseRuleType(std::string_view s);
std::optional<MatchType> ParseMatchType(std::string_view s);
std::optional<ExperimentStatus> ParseExperimentStatus(std::string_view s);

/// A percentage in percent as hundredths, exactly: nullopt when it has more than two decimals
/// (12.505) or is not finite. Range checks are the caller's.
std::optional<Hundredths> PercentToHundredths(double percent);
/// Hundredths back to percent (1250 -> 12.5).
inline double HundredthsToPercent(Hundredths h) { return h / 100.0; }

/// Whether `op` is allowed for attributes of type `t` (SPEC §3's table).
bool OperatorFits(AttributeType t, Operator op);

}  // namespace aurora::engine
