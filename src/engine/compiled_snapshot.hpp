#pragma once

// The evaluation-friendly form of a snapshot: names resolved to indices, condition operands
// typed and pre-sorted, regexes compiled, hash key prefixes pre-hashed. Immutable once built;
// share it across threads as std::shared_ptr<const CompiledSnapshot>.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aurora/evaluation.hpp"
#include "aurora/result.hpp"
#include "aurora/value.hpp"
#include "engine/bucketing.hpp"
#include "engine/model/model.hpp"
#include "engine/semver.hpp"

namespace re2 {
class RE2;
}

namespace aurora::engine {

struct CompiledCondition {
  CompiledCondition();
  CompiledCondition(CompiledCondition&&) noexcept;
  CompiledCondition& operator=(CompiledCondition&&) noexcept;
  ~CompiledCondition();

  std::string attribute;
  std::uint64_t attribute_hash = 0;
  AttributeType type = AttributeType::kString;
  Operator op = Operator::kEquals;
  // The operand, in the field that fits type and op.
  std::string text;                   // string/enum single-value operators
  double number = 0;                  // number single-value operators
  bool boolean = false;               // boolean operators
  std::vector<std::string> texts;     // string/enum in/not_in, sorted
  std::vector<double> numbers;        // number in/not_in, sorted
  std::unique_ptr<re2::RE2> regex;    // matches
  std::unique_ptr<const std::string> semver_text;  // owns the text `semver` points into
  SemVer semver;
  std::shared_ptr<const std::vector<std::string>> enum_options;  // sorted; for enum attributes
};

struct CompiledSegment {
  std::int64_t id = 0;
  std::vector<std::vector<CompiledCondition>> rules;  // any rule; all conditions of a rule
};

/// A hash attribute and the hasher state after the constant part of the key.
struct HashKey {
  std::string attribute;
  std::uint64_t attribute_hash = 0;
  Murmur3 prefix;
};

struct CompiledRule {
  std::string id;
  RuleType type = RuleType::kAttribute;
  std::vector<CompiledCondition> conditions;
  std::size_t segment = 0;  // index into CompiledSnapshot::segments, for segment rules
  MatchType match_type = MatchType::kMatch;
  Value value;
  bool has_rollout = false;
  Hundredths percentage = 0;
  HashKey rollout_key;  // "parameter:rollout:<name>:<ruleId>:"
};

struct CompiledExperiment {
  std::int64_t id = 0;
  ExperimentStatus status = ExperimentStatus::kDraft;
  std::optional<Timestamp> start_date;
  std::optional<Timestamp> end_date;
  HashKey population_key;  // "experiment:population:<uuid>:"
  HashKey variant_key;     // "experiment:hash:<uuid>:"
  Hundredths population = kFullPercentage;
  std::optional<std::size_t> segment;
  std::vector<Hundredths> cumulative;  // C(i): running sums of allocations; the last is 10000
  std::vector<std::int64_t> variant_ids;
};

/// One experiment as seen from a parameter it sets.
struct ExperimentLink {
  std::size_t experiment = 0;  // index into CompiledSnapshot::experiments
  std::vector<std::optional<Value>> values;  // per variant; nullopt when it does not set it
};

struct CompiledParameter {
  std::string name;
  DataType data_type = DataType::kString;
  bool enabled = true;
  Value default_value;
  std::vector<ExperimentLink> experiments;  // eligible statuses only, ascending experiment id
  std::vector<CompiledRule> rules;
};

/// Name -> index with open addressing over a power-of-two table: one hash of the name (the
/// FNV-1a of Attributes::HashName), usually one probe, and no allocation on lookup.
class NameIndex {
 public:
  /// Adds `name` (which must outlive the index) unless present; false when it was present.
  bool Insert(std::string_view name, std::size_t index);
  /// The index of `name`, or npos.
  std::size_t Find(std::string_view name) const;
  /// Makes room for `count` names, so inserting that many never rehashes.
  void Reserve(std::size_t count);
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::string_view name;
    std::size_t index = npos;
  };
  void Rehash(std::size_t slot_count);
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

struct CompiledSnapshot {
  // Pinned in place: the name index points into `parameters`.
  CompiledSnapshot() = default;
  CompiledSnapshot(const CompiledSnapshot&) = delete;
  CompiledSnapshot& operator=(const CompiledSnapshot&) = delete;

  std::int64_t revision = 0;
  std::optional<Timestamp> generated_at;
  std::vector<CompiledSegment> segments;
  std::vector<CompiledExperiment> experiments;
  std::vector<CompiledParameter> parameters;
  NameIndex parameter_index;  // names point into `parameters`, which never changes after building

  /// The parameter called `name`, or nullptr. Never allocates.
  const CompiledParameter* FindParameter(std::string_view name) const {
    const std::size_t i = parameter_index.Find(name);
    return i == NameIndex::npos ? nullptr : &parameters[i];
  }
};

/// Checks everything that makes evaluation well-defined (SPEC §4 "Loading": types of values,
/// operators, references, regexes, semvers, enum values, allocations, rule ids, empty segment
/// rules) and builds the compiled form. Errors name the JSON path in `field`.
Result<std::shared_ptr<const CompiledSnapshot>> CompileSnapshot(const Snapshot& snapshot);

/// ParseJson + DecodeSnapshot + CompileSnapshot: a snapshot document ready to evaluate.
Result<std::shared_ptr<const CompiledSnapshot>> LoadSnapshot(std::string_view json_text);

}  // namespace aurora::engine
