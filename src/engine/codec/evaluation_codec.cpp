#include "engine/codec/evaluation_codec.hpp"

namespace aurora::engine {

Result<Attributes> AttributesFromJson(const nlohmann::json& object) {
  if (!object.is_object()) {
    return Error{ErrorCode::kInvalidArgument, "must be an object", "attributes"};
  }
  Attributes attributes;
  for (const auto& [name, value] : object.items()) {
    if (value.is_string()) {
      attributes.SetString(name, value.get_ref<const std::string&>());
    } else if (value.is_number()) {
      attributes.SetNumber(name, value.get<double>());
    } else if (value.is_boolean()) {
      attributes.SetBool(name, value.get<bool>());
    } else {
      attributes.SetOther(name);
    }
  }
  return attributes;
}

namespace {
std::string Quote(std::string_view s) {
  return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

std::string EvaluationToJsonText(std::string_view parameter, const Evaluation& e) {
  if (e.HasError()) {
    return R"({"error":{"code":"not_found","message":)" + Quote("parameter \"" + std::string(parameter) + "\" not found") +
           "}}";
  }
  std::string out = R"({"parameter":)";
  out += Quote(parameter);
  out += R"(,"value":)";
  out += e.value->Json();
  out += R"(,"dataType":")";
  out += DataTypeName(e.data_type);
  out += R"(","source":")";
  out += SourceName(e.source);
  out += R"(","reason":")";
  out += ReasonName(e.reason);
  out += '"';
  if (e.source == Source::kRule) {
    out += R"(,"ruleId":)";
    out += Quote(e.rule_id);
  } else if (e.source == Source::kExperiment) {
    out += R"(,"experimentId":)";
    out += std::to_string(e.experiment_id);
    out += R"(,"variantId":)";
    out += std::to_string(e.variant_id);
  }
  out += '}';
  return out;
}

}  // namespace aurora::engine
