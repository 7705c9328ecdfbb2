#include "engine/evaluator.hpp"

#include <algorithm>
#include <cmath>

#include <re2/re2.h>

namespace aurora::engine {
namespace {

bool SetContains(const std::vector<std::string>& sorted, std::string_view v) {
  return std::binary_search(sorted.begin(), sorted.end(), v,
                            [](std::string_view a, std::string_view b) { return a < b; });
}

bool StringHolds(const CompiledCondition& c, std::string_view v) {
  switch (c.op) {
    case Operator::kEquals: return v == c.text;
    case Operator::kNotEquals: return v != c.text;
    case Operator::kContains: return v.find(c.text) != std::string_view::npos;
    case Operator::kNotContains: return v.find(c.text) == std::string_view::npos;
    case Operator::kStartsWith: return v.starts_with(c.text);
    case Operator::kEndsWith: return v.ends_with(c.text);
    case Operator::kIn: return SetContains(c.texts, v);
    case Operator::kNotIn: return !SetContains(c.texts, v);
    case Operator::kMatches: return RE2::PartialMatch(re2::StringPiece(v.data(), v.size()), *c.regex);
    default: return false;
  }
}

bool NumberHolds(const CompiledCondition& c, double v) {
  if (std::isnan(v)) return false;  // no JSON number is NaN; treat it as the wrong type
  switch (c.op) {
    case Operator::kEquals: return v == c.number;
    case Operator::kNotEquals: return v != c.number;
    case Operator::kGreaterThan: return v > c.number;
    case Operator::kGreaterThanOrEqual: return v >= c.number;
    case Operator::kLessThan: return v < c.number;
    case Operator::kLessThanOrEqual: return v <= c.number;
    case Operator::kIn: return std::binary_search(c.numbers.begin(), c.numbers.end(), v);
    case Operator::kNotIn: return !std::binary_search(c.numbers.begin(), c.numbers.end(), v);
    default: return false;
  }
}

bool SemVerHolds(const CompiledCondition& c, std::string_view v) {
  const auto parsed = ParseSemVer(v);
  if (!parsed) return false;
  const int cmp = CompareSemVer(*parsed, c.semver);
  switch (c.op) {
    case Operator::kEquals: return cmp == 0;
    case Operator::kNotEquals: return cmp != 0;
    case Operator::kGreaterThan: return cmp > 0;
    case Operator::kGreaterThanOrEqual: return cmp >= 0;
    case Operator::kLessThan: return cmp < 0;
    case Operator::kLessThanOrEqual: return cmp <= 0;
    default: return false;
  }
}

bool AllHold(const std::vector<CompiledCondition>& conditions, const Attributes& attributes) {
  for (const CompiledCondition& c : conditions) {
    if (!ConditionHolds(c, attributes)) return false;
  }
  return true;
}

bool SegmentMatches(const CompiledSegment& segment, const Attributes& attributes) {
  for (const auto& rule : segment.rules) {
    if (AllHold(rule, attributes)) return true;
  }
  return false;
}

// The bucket of `key.prefix + text of the hash attribute`, or -1 when the attribute is absent
// (missing, "", or neither string, number nor boolean).
int HashBucket(const HashKey& key, const Attributes& attributes) {
  const AttributeValue* v = attributes.Find(key.attribute, key.attribute_hash);
  if (v == nullptr) return -1;
  Murmur3 m = key.prefix;
  switch (v->kind) {
    case AttributeValue::Kind::kString:
      if (v->string_value.empty()) return -1;
      m.Update(v->string_value);
      break;
    case AttributeValue::Kind::kNumber: {
      char buf[kNumberTextMax];
      const std::size_t n = FormatNumberForHash(v->number_value, buf);
      if (n == 0) return -1;
      m.Update(std::string_view(buf, n));
      break;
    }
    case AttributeValue::Kind::kBool:
      m.Update(v->bool_value ? "true" : "false");
      break;
    case AttributeValue::Kind::kOther:
      return -1;
  }
  return static_cast<int>(BucketOf(m));
}

bool Active(const CompiledExperiment& e, Timestamp now) {
  return (e.status == ExperimentStatus::kRunning || e.status == ExperimentStatus::kScheduled) &&
         (!e.start_date || *e.start_date <= now) && (!e.end_date || now < *e.end_date);
}

}  // namespace

bool ConditionHolds(const CompiledCondition& c, const Attributes& attributes) {
  const AttributeValue* v = attributes.Find(c.attribute, c.attribute_hash);
  if (v == nullptr) return false;
  switch (c.type) {
    case AttributeType::kString:
      return v->kind == AttributeValue::Kind::kString && StringHolds(c, v->string_value);
    case AttributeType::kNumber:
      return v->kind == AttributeValue::Kind::kNumber && NumberHolds(c, v->number_value);
    case AttributeType::kBoolean:
      if (v->kind != AttributeValue::Kind::kBool) return false;
      return c.op == Operator::kEquals ? v->bool_value == c.boolean : v->bool_value != c.boolean;
    case AttributeType::kEnum:
      // A value outside enumOptions is the wrong type: false for every operator.
      return v->kind == AttributeValue::Kind::kString && SetContains(*c.enum_options, v->string_value) &&
             StringHolds(c, v->string_value);
    case AttributeType::kSemver:
      return v->kind == AttributeValue::Kind::kString && SemVerHolds(c, v->string_value);
  }
  return false;
}

Evaluation Evaluate(const CompiledSnapshot& snapshot, std::string_view parameter,
                    const Attributes& attributes, Timestamp now) {
  Evaluation result;
  const CompiledParameter* p = snapshot.FindParameter(parameter);
  if (p == nullptr) {
    result.error = EvaluationError::kParameterNotFound;
    return result;
  }
  result.data_type = p->data_type;
  if (!p->enabled) {
    result.value = &p->default_value;
    result.reason = Reason::kDisabled;
    return result;
  }
  for (const ExperimentLink& link : p->experiments) {
    const CompiledExperiment& e = snapshot.experiments[link.experiment];
    if (!Active(e, now)) continue;
    if (e.segment && !SegmentMatches(snapshot.segments[*e.segment], attributes)) continue;
    const int population_bucket = HashBucket(e.population_key, attributes);
    if (population_bucket < 0 || population_bucket >= e.population) continue;
    const int b = HashBucket(e.variant_key, attributes);
    const auto chosen = std::upper_bound(e.cumulative.begin(), e.cumulative.end(), b);
    if (chosen == e.cumulative.end()) continue;
    const auto i = static_cast<std::size_t>(chosen - e.cumulative.begin());
    if (!link.values[i]) continue;  // this variant does not set the parameter
    result.value = &*link.values[i];
    result.source = Source::kExperiment;
    result.reason = Reason::kExperiment;
    result.experiment_id = e.id;
    result.variant_id = e.variant_ids[i];
    return result;
  }
  for (const CompiledRule& rule : p->rules) {
    bool holds;
    if (rule.type == RuleType::kAttribute) {
      holds = AllHold(rule.conditions, attributes);
    } else {
      holds = SegmentMatches(snapshot.segments[rule.segment], attributes) == (rule.match_type == MatchType::kMatch);
    }
    if (!holds) continue;
    if (rule.has_rollout) {
      const int b = HashBucket(rule.rollout_key, attributes);
      if (b < 0 || b >= rule.percentage) continue;
    }
    result.value = &rule.value;
    result.source = Source::kRule;
    result.reason = Reason::kRule;
    result.rule_id = rule.id;
    return result;
  }
  result.value = &p->default_value;
  return result;
}

}  // namespace aurora::engine
