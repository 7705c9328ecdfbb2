#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aurora/attributes.hpp"
#include "aurora/evaluation.hpp"
#include "aurora/result.hpp"

namespace aurora::engine {

/// Attributes from a JSON object: strings, numbers and booleans keep their type; null, arrays
/// and objects are present but of no usable type. A non-object is refused (field "attributes").
Result<Attributes> AttributesFromJson(const nlohmann::json& object);

/// One evaluation as the API, the CLI and OFREP-free tools print it:
/// {"parameter","value","dataType","source","reason","ruleId"?,"experimentId"?,"variantId"?},
/// or {"error":{"code":"not_found","message":…}} for an unknown parameter. Compact JSON text.
std::string EvaluationToJsonText(std::string_view parameter, const Evaluation& evaluation);

}  // namespace aurora::engine
