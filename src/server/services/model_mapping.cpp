#include "server/services/model_mapping.hpp"

#include <regex>

namespace aurora::server {

nlohmann::ordered_json ResourceJson(const store::Resource& r) {
  nlohmann::ordered_json out;
  out["id"] = r.id;
  for (const auto& [key, value] : r.body.items()) out[key] = value;
  out["version"] = r.version;
  out["createdAt"] = engine::FormatRfc3339(engine::Timestamp(std::chrono::microseconds(r.created_at)));
  out["updatedAt"] = engine::FormatRfc3339(engine::Timestamp(std::chrono::microseconds(r.updated_at)));
  return out;
}

nlohmann::ordered_json ParameterStateJson(const nlohmann::json& stored) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const char* key : jobs::kParameterStateFields) {
    const auto it = stored.find(key);
    out[key] = it == stored.end() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(*it);
  }
  return out;
}

nlohmann::ordered_json ParameterJson(const store::Resource& definition, const store::Environment& environment,
                                     const std::vector<store::Environment>& all,
                                     const std::map<std::int64_t, nlohmann::json>& states) {
  const auto mine = states.find(environment.id);
  nlohmann::ordered_json out = ResourceJson(
      ParameterInEnvironment(definition, mine == states.end() ? nlohmann::json::object() : mine->second));
  nlohmann::ordered_json summary = nlohmann::ordered_json::object();
  for (const store::Environment& e : all) {
    if (const auto s = states.find(e.id); s != states.end()) summary[e.name] = ParameterStateJson(s->second);
  }
  out["environments"] = std::move(summary);
  return out;
}

Error MapSnapshotError(const Error& error, const StoredConfig& config, store::Kind kind, std::int64_t id) {
  static const std::regex kHead(R"(^(attributes|segments|parameters|experiments)\[(\d+)\]\.?(.*)$)");
  std::smatch m;
  const std::string& path = error.field;
  if (!std::regex_match(path, m, kHead)) return Error{ErrorCode::kInvalidArgument, error.message, path};
  const auto section = store::ParseKind(m[1].str()).value_or(store::Kind::kAttribute);
  const std::size_t index = std::stoul(m[2].str());
  const std::vector<store::Resource>* list = nullptr;
  switch (section) {
    case store::Kind::kAttribute: list = &config.attributes; break;
    case store::Kind::kSegment: list = &config.segments; break;
    case store::Kind::kParameter: list = &config.parameters; break;
    case store::Kind::kExperiment: list = &config.experiments; break;
    case store::Kind::kApiKey:
    case store::Kind::kEnvironment:
    case store::Kind::kUser: return Error{ErrorCode::kInvalidArgument, error.message, path};
  }
  if (index >= list->size()) return Error{ErrorCode::kInvalidArgument, error.message, path};
  const store::Resource& owner = (*list)[index];
  std::string rest = m[3].str();
  if (section != kind || owner.id != id) {
    return Error{ErrorCode::kConflict, std::string("this change would make ") + store::KindName(section) + " \"" +
                                           owner.name + "\" (id " + std::to_string(owner.id) + ") invalid: " +
                                           (rest.empty() ? "" : rest + ": ") + error.message};
  }
  if (section == store::Kind::kExperiment) {
    // Snapshot form -> API form: hashAttribute is set through hashAttributeId, and a variant's
    // parameters are a list of {parameterName, rolloutValue} rather than an object.
    static const std::regex kVariantParam(R"(^variants\[(\d+)\]\.parameters\.(.+)$)");
    std::smatch vm;
    if (rest == "hashAttribute") {
      rest = "hashAttributeId";
    } else if (std::regex_match(rest, vm, kVariantParam)) {
      const std::size_t v = std::stoul(vm[1].str());
      const auto& variants = owner.body.value("variants", nlohmann::json::array());
      if (v < variants.size()) {
        const auto& params = variants[v].value("parameters", nlohmann::json::array());
        for (std::size_t j = 0; j < params.size(); ++j) {
          if (params[j].value("parameterName", "") == vm[2].str()) {
            rest = "variants[" + vm[1].str() + "].parameters[" + std::to_string(j) + "].rolloutValue";
          }
        }
      }
    }
  }
  return Error{ErrorCode::kInvalidArgument, error.message, rest};
}

}  // namespace aurora::server
