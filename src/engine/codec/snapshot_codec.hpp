#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aurora/result.hpp"
#include "engine/model/model.hpp"

namespace aurora::engine {

/// Decodes a snapshot document (SPEC §4): JSON syntax, Unicode, field types, enum names,
/// formatVersion, percentages and dates. Unknown fields are ignored for forward compatibility.
/// References, operators and value types are checked by CompileSnapshot. Errors carry the JSON
/// path of the offending element in `field`.
Result<Snapshot> DecodeSnapshot(std::string_view json_text);

/// Encodes a snapshot in the canonical key order of SPEC §4.
std::string EncodeSnapshot(const Snapshot& snapshot);
nlohmann::ordered_json SnapshotToJson(const Snapshot& snapshot);

// The snapshot form of each section element, for the SDK endpoints that serve sections.
nlohmann::ordered_json AttributeToJson(const Attribute& attribute);
nlohmann::ordered_json SegmentToJson(const Segment& segment);
nlohmann::ordered_json ParameterToJson(const Parameter& parameter);
nlohmann::ordered_json ExperimentToJson(const Experiment& experiment);
nlohmann::ordered_json ConditionToJson(const Condition& condition);

/// A percentage in hundredths as the JSON number of percent (1250 -> 12.5, 5000 -> 50).
nlohmann::ordered_json PercentJson(Hundredths h);

}  // namespace aurora::engine
