// Wire names of the public enums.
#include "aurora/evaluation.hpp"
#include "aurora/result.hpp"

namespace aurora {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

const char* DataTypeName(DataType t) {
  switch (t) {
    case DataType::kString: return "string";
    case DataType::kNumber: return "number";
    case DataType::kBoolean: return "boolean";
    case DataType::kJson: return "json";
  }
  return "string";
}

const char* SourceName(Source s) {
  switch (s) {
    case Source::kExperiment: return "experiment";
    case Source::kRule: return "rule";
    case Source::kDefault: return "default";
  }
  return "default";
}

const char* ReasonName(Reason r) {
  switch (r) {
    case Reason::kExperiment: return "experiment";
    case Reason::kRule: return "rule";
    case Reason::kDefault: return "default";
    case Reason::kDisabled: return "disabled";
  }
  return "default";
}

}  // namespace aurora
