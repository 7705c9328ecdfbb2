#include "jobs/snapshot_builder.hpp"

#include <algorithm>

namespace aurora::jobs {

namespace {

using nlohmann::json;

std::string Str(const json& body, const char* key) {
  const auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

engine::Hundredths Pct(const json& body, const char* key, engine::Hundredths fallback) {
  const auto it = body.find(key);
  if (it == body.end() || !it->is_number()) return fallback;
  return engine::PercentToHundredths(it->get<double>()).value_or(fallback);
}

std::vector<engine::Condition> Conditions(const json& list) {
  std::vector<engine::Condition> out;
  if (!list.is_array()) return out;
  for (const json& c : list) {
    engine::Condition cond;
    cond.attribute_id = c.value("attributeId", std::int64_t{0});
    cond.attribute = Str(c, "attribute");
    cond.op = engine::ParseOperator(Str(c, "operator")).value_or(engine::Operator::kEquals);
    cond.value = c.value("value", json());
    out.push_back(std::move(cond));
  }
  return out;
}

std::optional<engine::Timestamp> Date(const json& body, const char* key) {
  const auto it = body.find(key);
  if (it == body.end() || !it->is_string()) return std::nullopt;
  return engine::ParseRfc3339(it->get<std::string>());
}

}  // namespace

store::Resource ParameterInEnvironment(store::Resource definition, const json& state) {
  for (const char* key : kParameterStateFields) {
    if (const auto it = state.find(key); it != state.end()) definition.body[key] = *it;
  }
  return definition;
}

std::pair<json, json> SplitParameter(const json& body) {
  json definition = json::object();
  json state = json::object();
  for (const auto& item : body.items()) {
    const std::string& key = item.key();
    const bool is_state = std::any_of(std::begin(kParameterStateFields), std::end(kParameterStateFields),
                                      [&](const char* f) { return key == f; });
    (is_state ? state : definition)[key] = item.value();
  }
  return {definition, state};
}

Result<StoredConfig> LoadStoredConfig(store::Transaction& tx, const store::Environment& environment) {
  StoredConfig c;
  c.environment = environment.name;
  c.revision = store::RevisionInfo{environment.revision, environment.revision_at};
  for (auto [kind, target] : {std::pair{store::Kind::kAttribute, &c.attributes},
                              std::pair{store::Kind::kSegment, &c.segments},
                              std::pair{store::Kind::kParameter, &c.parameters}}) {
    auto all = store::AllResources(tx, kind);
    if (!all) return std::move(all).error();
    *target = std::move(*all);
  }
  auto experiments = store::AllResources(tx, store::Kind::kExperiment, environment.id);
  if (!experiments) return std::move(experiments).error();
  c.experiments = std::move(*experiments);
  auto states = store::EnvironmentStates(tx, environment.id);
  if (!states) return std::move(states).error();
  for (store::Resource& p : c.parameters) {
    const auto it = states->find(p.id);
    p = ParameterInEnvironment(std::move(p), it == states->end() ? json::object() : it->second);
  }
  return c;
}

engine::Snapshot ToSnapshot(const StoredConfig& config, bool all_experiments) {
  engine::Snapshot s;
  s.revision = config.revision.revision;
  if (config.revision.revision > 0) {  // revision 0 (an empty database) was never committed
    s.generated_at = engine::Timestamp(std::chrono::microseconds(config.revision.updated_at));
  }
  for (const auto& r : config.attributes) {
    engine::Attribute a;
    a.id = r.id;
    a.name = r.name;
    a.description = Str(r.body, "description");
    a.type = engine::ParseAttributeType(Str(r.body, "dataType")).value_or(engine::AttributeType::kString);
    if (r.body.contains("enumOptions") && r.body["enumOptions"].is_array()) {
      for (const json& o : r.body["enumOptions"]) {
        if (o.is_string()) a.enum_options.push_back(o.get<std::string>());
      }
    }
    s.attributes.push_back(std::move(a));
  }
  for (const auto& r : config.segments) {
    engine::Segment seg;
    seg.id = r.id;
    seg.name = r.name;
    seg.description = Str(r.body, "description");
    for (const json& rule : r.body.value("rules", json::array())) {
      seg.rules.push_back(engine::SegmentRule{Str(rule, "name"), Conditions(rule.value("conditions", json::array()))});
    }
    s.segments.push_back(std::move(seg));
  }
  for (const auto& r : config.parameters) {
    engine::Parameter p;
    p.id = r.id;
    p.name = r.name;
    p.description = Str(r.body, "description");
    p.type = engine::ParseParameterType(Str(r.body, "dataType")).value_or(engine::ParameterType::kJson);
    p.default_value = r.body.value("defaultValue", json());
    p.enabled = r.body.value("enabled", true);
    for (const json& rule : r.body.value("rules", json::array())) {
      engine::ParameterRule pr;
      pr.id = Str(rule, "id");
      pr.name = Str(rule, "name");
      pr.type = engine::ParseRuleType(Str(rule, "type")).value_or(engine::RuleType::kAttribute);
      pr.conditions = Conditions(rule.value("conditions", json::array()));
      pr.segment_id = rule.value("segmentId", std::int64_t{0});
      pr.match_type = engine::ParseMatchType(Str(rule, "matchType")).value_or(engine::MatchType::kMatch);
      pr.value = rule.value("value", json());
      if (rule.contains("rollout") && rule["rollout"].is_object()) {
        pr.rollout = engine::Rollout{Pct(rule["rollout"], "percentage", 0), Str(rule["rollout"], "hashAttribute")};
      }
      p.rules.push_back(std::move(pr));
    }
    s.parameters.push_back(std::move(p));
  }
  for (const auto& r : config.experiments) {
    const auto status = engine::ParseExperimentStatus(r.status).value_or(engine::ExperimentStatus::kDraft);
    if (!all_experiments && status != engine::ExperimentStatus::kRunning &&
        status != engine::ExperimentStatus::kScheduled) {
      continue;
    }
    engine::Experiment e;
    e.id = r.id;
    e.uuid = r.uuid;
    e.name = r.name;
    e.description = Str(r.body, "description");
    e.hypothesis = Str(r.body, "hypothesis");
    e.status = status;
    e.start_date = Date(r.body, "startDate");
    e.end_date = Date(r.body, "endDate");
    e.hash_attribute = Str(r.body, "hashAttribute");
    e.population = Pct(r.body, "populationSize", engine::kFullPercentage);
    if (r.body.contains("segmentId") && r.body["segmentId"].is_number_integer()) {
      e.segment_id = r.body["segmentId"].get<std::int64_t>();
    }
    for (const json& v : r.body.value("variants", json::array())) {
      engine::Variant variant;
      variant.id = v.value("id", std::int64_t{0});
      variant.name = Str(v, "name");
      variant.description = Str(v, "description");
      variant.traffic_allocation = Pct(v, "trafficAllocation", 0);
      for (const json& vp : v.value("parameters", json::array())) {
        variant.parameters.push_back(engine::VariantParameter{Str(vp, "parameterName"), vp.value("rolloutValue", json())});
      }
      e.variants.push_back(std::move(variant));
    }
    s.experiments.push_back(std::move(e));
  }
  return s;
}

}  // namespace aurora::jobs
