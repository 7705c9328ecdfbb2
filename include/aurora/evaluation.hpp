#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "aurora/value.hpp"

namespace aurora {

/// A parameter's declared type.
enum class DataType { kString, kNumber, kBoolean, kJson };
/// Where an evaluated value came from.
enum class Source { kExperiment, kRule, kDefault };
/// Why: like Source, except a disabled parameter (source kDefault, reason kDisabled).
enum class Reason { kExperiment, kRule, kDefault, kDisabled };
/// Failures of one evaluation.
enum class EvaluationError { kNone, kParameterNotFound };

const char* DataTypeName(DataType t);     // "string", "number", "boolean", "json"
const char* SourceName(Source s);         // "experiment", "rule", "default"
const char* ReasonName(Reason r);         // "experiment", "rule", "default", "disabled"

/// The outcome of evaluating one parameter. It borrows the value and rule id from the snapshot
/// it was evaluated against: keep that snapshot alive while using it. Cheap to copy.
struct Evaluation {
  EvaluationError error = EvaluationError::kNone;
  const Value* value = nullptr;  // never null unless error is set
  DataType data_type = DataType::kString;
  Source source = Source::kDefault;
  Reason reason = Reason::kDefault;
  std::string_view rule_id;         // set when source is kRule
  std::int64_t experiment_id = 0;   // set (> 0) when source is kExperiment
  std::int64_t variant_id = 0;      // set when source is kExperiment

  bool HasError() const { return error != EvaluationError::kNone; }

  /// Typed access with the caller's default on error or type mismatch.
  std::string AsString(std::string fallback) const {
    return HasError() ? fallback : value->AsString(std::move(fallback));
  }
  std::int64_t AsInt(std::int64_t fallback) const { return HasError() ? fallback : value->AsInt(fallback); }
  double AsDouble(double fallback) const { return HasError() ? fallback : value->AsDouble(fallback); }
  bool AsBool(bool fallback) const { return HasError() ? fallback : value->AsBool(fallback); }
  /// The value's JSON text; `fallback` on error.
  std::string AsJson(std::string fallback) const { return HasError() ? fallback : value->Json(); }
};

}  // namespace aurora
