#include "server/services/normalize.hpp"

#include <limits>
#include <set>

#include "engine/codec/json.hpp"
#include "engine/model/model.hpp"
#include "server/services/body.hpp"
#include "server/services/try.hpp"

namespace aurora::server {
namespace {

using nlohmann::json;
using engine::JoinPath;

Result<const json*> ArrayField(const BodyReader& r, std::string_view key, bool required) {
  const json* v = r.Find(key);
  if (v == nullptr || v->is_null()) {
    if (required) return Invalid(r.PathOf(key), "is required");
    return static_cast<const json*>(nullptr);
  }
  if (!v->is_array()) return Invalid(r.PathOf(key), std::string("must be an array, got ") + engine::JsonTypeName(*v));
  return v;
}

std::string Trim(std::string s) {
  const auto a = s.find_first_not_of(" \t");
  const auto b = s.find_last_not_of(" \t");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

// A resource by id or name, for references in bodies. The found resource, or a 400 naming
// the field used.
Result<store::Resource> Resolve(store::Transaction& tx, store::Kind kind, const BodyReader& r,
                                std::string_view id_key, std::string_view name_key, bool required) {
  AURORA_TRY(id, r.Id(id_key, false));
  AURORA_TRY(name, r.String(name_key, kMaxNameLength, false));
  if (!id && name.empty()) {
    if (!required) return store::Resource{};
    return Invalid(r.PathOf(id_key), std::string("is required (or ") + std::string(name_key) + ")");
  }
  Result<std::optional<store::Resource>> found =
      id ? store::GetResource(tx, kind, *id) : store::GetResourceByName(tx, kind, name);
  if (!found) return std::move(found).error();
  if (!*found) {
    return id ? Invalid(r.PathOf(id_key), std::string("unknown ") + store::KindName(kind) + " id " + std::to_string(*id))
              : Invalid(r.PathOf(name_key), std::string("unknown ") + store::KindName(kind) + " \"" + name + "\"");
  }
  if (id && !name.empty() && (*found)->name != name) {
    return Invalid(r.PathOf(name_key), std::string("does not match ") + std::string(id_key) + " " + std::to_string(*id));
  }
  return std::move(**found);
}

// Typed condition values: comma strings for in/not_in, numeric and boolean literals in strings.
json ConditionValue(engine::AttributeType type, engine::Operator op, const json& value) {
  auto convert = [&](const json& item) -> json {
    if (!item.is_string()) return item;
    if (type == engine::AttributeType::kNumber) {
      auto parsed = engine::ParseJson(item.get_ref<const std::string&>());
      if (parsed && parsed->is_number()) return *parsed;
    }
    if (type == engine::AttributeType::kBoolean && (item == "true" || item == "false")) return item == "true";
    return item;
  };
  if (op == engine::Operator::kIn || op == engine::Operator::kNotIn) {
    if (value.is_string()) {
      json items = json::array();
      const std::string& s = value.get_ref<const std::string&>();
      std::size_t start = 0;
      while (start <= s.size()) {
        const std::size_t comma = s.find(',', start);
        const std::string item = Trim(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (!item.empty()) items.push_back(convert(json(item)));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      return items;
    }
    if (value.is_array()) {
      json items = json::array();
      for (const json& item : value) items.push_back(convert(item));
      return items;
    }
    return value;
  }
  return convert(value);
}

Result<json> Conditions(store::Transaction& tx, const json& list, const std::string& path,
                        std::vector<std::int64_t>& attribute_refs) {
  json out = json::array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const BodyReader c(list[i], JoinPath(path, i));
    AURORA_CHECK(c.Expect({"attributeId", "attribute", "operator", "value"}));
    AURORA_TRY(attribute, Resolve(tx, store::Kind::kAttribute, c, "attributeId", "attribute", true));
    AURORA_TRY(op_text, c.String("operator", 64, true));
    const auto op = engine::ParseOperator(op_text);
    if (!op) return Invalid(c.PathOf("operator"), "unknown operator \"" + op_text + "\"");
    if (!c.Has("value")) return Invalid(c.PathOf("value"), "is required");
    const auto type = engine::ParseAttributeType(attribute.data_type).value_or(engine::AttributeType::kString);
    attribute_refs.push_back(attribute.id);
    out.push_back(json{{"attributeId", attribute.id},
                       {"attribute", attribute.name},
                       {"operator", op_text},
                       {"value", ConditionValue(type, *op, *c.Find("value"))}});
  }
  return out;
}

Result<std::string> NameField(const BodyReader& r, const store::Resource* existing, bool identifier) {
  if (existing != nullptr && !r.HasValue("name")) return existing->name;
  AURORA_TRY(raw, r.String("name", 4 * kMaxNameLength, true));
  AURORA_TRY(name, identifier ? CheckIdentifier(raw, "name") : CheckLabel(raw, "name"));
  if (identifier && existing != nullptr && name != existing->name) {
    return Invalid("name", "is immutable (it is part of what applications send and of rollout hash keys)");
  }
  return name;
}

Result<Normalized> Attribute(const json& input, const store::Resource* existing) {
  const BodyReader r(input, "");
  AURORA_CHECK(r.Expect({"name", "description", "dataType", "enumOptions"}));
  Normalized n;
  AURORA_TRY(name, NameField(r, existing, true));
  AURORA_TRY(description, r.String("description", kMaxTextLength, false));
  AURORA_TRY(type_text, r.String("dataType", 32, true));
  const auto type = engine::ParseAttributeType(type_text);
  if (!type) return Invalid("dataType", "must be one of string, number, boolean, enum, semver");
  AURORA_TRY(options, ArrayField(r, "enumOptions", false));
  json enum_options = json::array();
  std::set<std::string> seen;
  if (options != nullptr) {
    for (std::size_t i = 0; i < options->size(); ++i) {
      const std::string field = "enumOptions[" + std::to_string(i) + "]";
      const json& o = (*options)[i];
      if (!o.is_string() || o.get_ref<const std::string&>().empty() || o.get_ref<const std::string&>().size() > 256) {
        return Invalid(field, "must be a non-empty string of at most 256 bytes");
      }
      if (!seen.insert(o.get<std::string>()).second) return Invalid(field, "duplicates another option");
      enum_options.push_back(o);
    }
  }
  if (*type == engine::AttributeType::kEnum && enum_options.empty()) {
    return Invalid("enumOptions", "an enum attribute needs at least one option");
  }
  if (*type != engine::AttributeType::kEnum && !enum_options.empty()) {
    return Invalid("enumOptions", "only enum attributes have options");
  }
  n.resource.name = name;
  n.resource.data_type = type_text;
  n.resource.body = json{{"name", name}, {"description", description}, {"dataType", type_text}, {"enumOptions", enum_options}};
  return n;
}

Result<Normalized> Segment(const json& input, const store::Resource* existing, store::Transaction& tx) {
  const BodyReader r(input, "");
  AURORA_CHECK(r.Expect({"name", "description", "rules"}));
  Normalized n;
  AURORA_TRY(name, NameField(r, existing, false));
  AURORA_TRY(description, r.String("description", kMaxTextLength, false));
  AURORA_TRY(rules, ArrayField(r, "rules", true));
  if (rules->empty()) return Invalid("rules", "a segment needs at least one rule");
  json out_rules = json::array();
  for (std::size_t i = 0; i < rules->size(); ++i) {
    const BodyReader rule((*rules)[i], "rules[" + std::to_string(i) + "]");
    AURORA_CHECK(rule.Expect({"name", "conditions"}));
    AURORA_TRY(rule_name, rule.String("name", kMaxNameLength, false));
    AURORA_TRY(conditions, ArrayField(rule, "conditions", true));
    if (conditions->empty()) return Invalid(rule.PathOf("conditions"), "a segment rule needs at least one condition");
    AURORA_TRY(normalized, Conditions(tx, *conditions, rule.PathOf("conditions"), n.references.attributes));
    out_rules.push_back(json{{"name", rule_name}, {"conditions", std::move(normalized)}});
  }
  n.resource.name = name;
  n.resource.body = json{{"name", name}, {"description", description}, {"rules", std::move(out_rules)}};
  return n;
}

Result<Normalized> Parameter(const json& input, const store::Resource* existing, store::Transaction& tx) {
  const BodyReader r(input, "");
  AURORA_CHECK(r.Expect({"name", "description", "dataType", "defaultValue", "enabled", "rules"}));
  Normalized n;
  AURORA_TRY(name, NameField(r, existing, true));
  AURORA_TRY(description, r.String("description", kMaxTextLength, false));
  AURORA_TRY(type_text, r.String("dataType", 32, true));
  const auto type = engine::ParseParameterType(type_text);
  if (!type) return Invalid("dataType", "must be one of string, number, boolean, json");
  if (!r.Has("defaultValue")) return Invalid("defaultValue", "is required");
  AURORA_TRY(default_value, TypedValue(*type, *r.Find("defaultValue"), "defaultValue"));
  AURORA_TRY(enabled, r.Bool("enabled"));
  AURORA_TRY(rules, ArrayField(r, "rules", false));
  json out_rules = json::array();
  std::set<std::string> rule_ids;
  for (std::size_t i = 0; rules != nullptr && i < rules->size(); ++i) {
    const BodyReader rule((*rules)[i], "rules[" + std::to_string(i) + "]");
    AURORA_CHECK(rule.Expect({"id", "name", "type", "conditions", "segmentId", "matchType", "value", "rollout"}));
    json out = json::object();
    AURORA_TRY(id, rule.String("id", 64, false));
    if (id.empty()) {
      id = NewUuid();
    } else {
      AURORA_CHECK(CheckRuleId(id, rule.PathOf("id")));
    }
    if (!rule_ids.insert(id).second) return Invalid(rule.PathOf("id"), "duplicates the id of an earlier rule");
    out["id"] = id;
    AURORA_TRY(rule_name, rule.String("name", kMaxNameLength, false));
    out["name"] = rule_name;
    AURORA_TRY(rule_type, rule.String("type", 32, false));
    if (rule_type.empty()) rule_type = rule.HasValue("segmentId") ? "segment" : "attribute";
    if (rule_type == "attribute") {
      if (rule.HasValue("segmentId")) return Invalid(rule.PathOf("segmentId"), "only segment rules have a segmentId");
      if (rule.HasValue("matchType")) return Invalid(rule.PathOf("matchType"), "only segment rules have a matchType");
      AURORA_TRY(conditions, ArrayField(rule, "conditions", false));
      out["type"] = "attribute";
      json normalized = json::array();
      if (conditions != nullptr) {
        AURORA_TRY(c, Conditions(tx, *conditions, rule.PathOf("conditions"), n.references.attributes));
        normalized = std::move(c);
      }
      out["conditions"] = std::move(normalized);
    } else if (rule_type == "segment") {
      AURORA_TRY(conditions, ArrayField(rule, "conditions", false));
      if (conditions != nullptr && !conditions->empty()) {
        return Invalid(rule.PathOf("conditions"), "segment rules take their conditions from the segment");
      }
      AURORA_TRY(segment_id, rule.Id("segmentId", true));
      AURORA_TRY(segment, store::GetResource(tx, store::Kind::kSegment, *segment_id));
      if (!segment) return Invalid(rule.PathOf("segmentId"), "unknown segment id " + std::to_string(*segment_id));
      AURORA_TRY(match_type, rule.String("matchType", 32, false));
      if (match_type.empty()) match_type = "match";
      if (!engine::ParseMatchType(match_type)) return Invalid(rule.PathOf("matchType"), "must be match or not_match");
      out["type"] = "segment";
      out["segmentId"] = *segment_id;
      out["matchType"] = match_type;
      n.references.segments.push_back(*segment_id);
    } else {
      return Invalid(rule.PathOf("type"), "must be attribute or segment");
    }
    if (!rule.Has("value")) return Invalid(rule.PathOf("value"), "is required");
    AURORA_TRY(value, TypedValue(*type, *rule.Find("value"), rule.PathOf("value")));
    out["value"] = std::move(value);
    if (rule.HasValue("rollout")) {
      const BodyReader ro(*rule.Find("rollout"), rule.PathOf("rollout"));
      AURORA_CHECK(ro.Expect({"percentage", "hashAttribute", "hashAttributeId"}));
      if (!ro.Has("percentage")) return Invalid(ro.PathOf("percentage"), "is required");
      AURORA_TRY(percentage, Percentage(*ro.Find("percentage"), ro.PathOf("percentage"), false));
      AURORA_TRY(hash, Resolve(tx, store::Kind::kAttribute, ro, "hashAttributeId", "hashAttribute", true));
      n.references.attributes.push_back(hash.id);
      out["rollout"] = json{{"percentage", percentage % 100 == 0 ? json(percentage / 100) : json(percentage / 100.0)},
                            {"hashAttribute", hash.name},
                            {"hashAttributeId", hash.id}};
    }
    out_rules.push_back(std::move(out));
  }
  n.resource.name = name;
  n.resource.data_type = type_text;
  n.resource.body = json{{"name", name},       {"description", description},
                         {"dataType", type_text}, {"defaultValue", default_value},
                         {"enabled", enabled.value_or(true)}, {"rules", std::move(out_rules)}};
  return n;
}

std::int64_t Micros(engine::Timestamp t) { return t.time_since_epoch().count(); }

Result<Normalized> Experiment(const json& input, const store::Resource* existing, store::Transaction& tx) {
  const BodyReader r(input, "");
  AURORA_CHECK(r.Expect({"name", "description", "hypothesis", "status", "startDate", "endDate", "hashAttributeId",
                         "hashAttribute", "populationSize", "segmentId", "variants"}));
  Normalized n;
  AURORA_TRY(name, NameField(r, existing, false));
  AURORA_TRY(description, r.String("description", kMaxTextLength, false));
  AURORA_TRY(hypothesis, r.String("hypothesis", kMaxTextLength, false));
  AURORA_TRY(start, r.Date("startDate"));
  AURORA_TRY(end, r.Date("endDate"));
  if (start && end && *end <= *start) return Invalid("endDate", "must be after startDate");
  AURORA_TRY(hash, Resolve(tx, store::Kind::kAttribute, r, "hashAttributeId", "hashAttribute", true));
  n.references.attributes.push_back(hash.id);
  engine::Hundredths population = engine::kFullPercentage;
  if (r.HasValue("populationSize")) {
    AURORA_TRY(p, Percentage(*r.Find("populationSize"), "populationSize", true));
    population = p;
  }
  AURORA_TRY(segment_id, r.Id("segmentId", false));
  if (segment_id) {
    AURORA_TRY(segment, store::GetResource(tx, store::Kind::kSegment, *segment_id));
    if (!segment) return Invalid("segmentId", "unknown segment id " + std::to_string(*segment_id));
    n.references.segments.push_back(*segment_id);
  }
  AURORA_TRY(variants, ArrayField(r, "variants", true));
  if (variants->empty()) return Invalid("variants", "an experiment needs at least one variant");
  if (variants->size() > 100) return Invalid("variants", "an experiment has at most 100 variants");
  // Keep the ids clients send back; number new variants after the highest id in use.
  std::int64_t next_id = 1;
  bool ids_exhausted = false;  // a variant holds the largest id: no id is left after it
  for (const json& v : *variants) {
    if (v.is_object() && v.contains("id") && v["id"].is_number_integer()) {
      const std::int64_t given = v["id"].get<std::int64_t>();
      if (given == std::numeric_limits<std::int64_t>::max()) {
        ids_exhausted = true;
      } else {
        next_id = std::max(next_id, given + 1);
      }
    }
  }
  json out_variants = json::array();
  std::set<std::int64_t> variant_ids;
  for (std::size_t i = 0; i < variants->size(); ++i) {
    const BodyReader v((*variants)[i], "variants[" + std::to_string(i) + "]");
    AURORA_CHECK(v.Expect({"id", "name", "description", "trafficAllocation", "parameters"}));
    AURORA_TRY(given_id, v.Id("id", false));
    if (!given_id && ids_exhausted) {
      return Invalid(v.PathOf("id"), "is required when another variant has the largest possible id");
    }
    const std::int64_t id = given_id ? *given_id : next_id++;
    if (!variant_ids.insert(id).second) return Invalid(v.PathOf("id"), "duplicates the id of another variant");
    AURORA_TRY(raw_name, v.String("name", 4 * kMaxNameLength, true));
    AURORA_TRY(variant_name, CheckLabel(raw_name, v.PathOf("name")));
    AURORA_TRY(variant_description, v.String("description", kMaxTextLength, false));
    if (!v.Has("trafficAllocation")) return Invalid(v.PathOf("trafficAllocation"), "is required");
    AURORA_TRY(allocation, Percentage(*v.Find("trafficAllocation"), v.PathOf("trafficAllocation"), false));
    AURORA_TRY(params, ArrayField(v, "parameters", false));
    json out_params = json::array();
    std::set<std::int64_t> seen;
    for (std::size_t j = 0; params != nullptr && j < params->size(); ++j) {
      const BodyReader p((*params)[j], v.PathOf("parameters") + "[" + std::to_string(j) + "]");
      AURORA_CHECK(p.Expect({"parameterId", "parameterName", "rolloutValue"}));
      AURORA_TRY(parameter, Resolve(tx, store::Kind::kParameter, p, "parameterId", "parameterName", true));
      if (!seen.insert(parameter.id).second) return Invalid(p.path(), "sets a parameter this variant already sets");
      if (!p.Has("rolloutValue")) return Invalid(p.PathOf("rolloutValue"), "is required");
      const auto type = engine::ParseParameterType(parameter.data_type).value_or(engine::ParameterType::kJson);
      AURORA_TRY(value, TypedValue(type, *p.Find("rolloutValue"), p.PathOf("rolloutValue")));
      n.references.parameters.push_back(parameter.id);
      out_params.push_back(json{{"parameterId", parameter.id}, {"parameterName", parameter.name}, {"rolloutValue", value}});
    }
    out_variants.push_back(json{{"id", id},
                                {"name", variant_name},
                                {"description", variant_description},
                                {"trafficAllocation", allocation % 100 == 0 ? json(allocation / 100) : json(allocation / 100.0)},
                                {"parameters", std::move(out_params)}});
  }
  // A running experiment keeps its buckets: what decides which variant a user gets (hash
  // attribute, population, segment, the variants and their allocations) is frozen while it runs.
  if (existing != nullptr && existing->status == "running") {
    const json& old = existing->body;
    const auto buckets = [](const json& vs) {
      std::vector<std::pair<json, json>> out;
      for (const auto& v : vs) out.emplace_back(v.value("id", json()), v.value("trafficAllocation", json()));
      return out;
    };
    const char* changed = nullptr;
    if (old.value("hashAttributeId", json()) != json(hash.id)) changed = "hashAttribute";
    if (old.value("populationSize", json()) != (population % 100 == 0 ? json(population / 100) : json(population / 100.0))) {
      changed = "populationSize";
    }
    if (old.value("segmentId", json()) != (segment_id ? json(*segment_id) : json(nullptr))) changed = "segmentId";
    if (buckets(old.value("variants", json::array())) != buckets(out_variants)) changed = "variants";
    if (changed != nullptr) {
      return Error{ErrorCode::kConflict,
                   std::string("the experiment is running: changing ") + changed +
                       " would move users between variants (re-bucketing) and mix their results; pause it first "
                       "(POST /api/v1/experiments/{id}/pause) or start a new experiment",
                   changed};
    }
  }
  n.resource.name = name;
  n.resource.uuid = existing != nullptr ? existing->uuid : NewUuid();
  n.resource.status = existing != nullptr ? existing->status : "draft";
  n.resource.start_date = start ? std::optional<std::int64_t>(Micros(*start)) : std::nullopt;
  n.resource.end_date = end ? std::optional<std::int64_t>(Micros(*end)) : std::nullopt;
  n.resource.body = json{{"uuid", n.resource.uuid},
                         {"name", name},
                         {"description", description},
                         {"hypothesis", hypothesis},
                         {"status", n.resource.status},
                         {"startDate", start ? json(engine::FormatRfc3339(*start)) : json(nullptr)},
                         {"endDate", end ? json(engine::FormatRfc3339(*end)) : json(nullptr)},
                         {"hashAttributeId", hash.id},
                         {"hashAttribute", hash.name},
                         {"populationSize", population % 100 == 0 ? json(population / 100) : json(population / 100.0)},
                         {"segmentId", segment_id ? json(*segment_id) : json(nullptr)},
                         {"variants", std::move(out_variants)}};
  return n;
}

}  // namespace

Result<Normalized> Normalize(store::Kind kind, const json& input, const store::Resource* existing,
                             store::Transaction& tx) {
  switch (kind) {
    case store::Kind::kAttribute: return Attribute(input, existing);
    case store::Kind::kSegment: return Segment(input, existing, tx);
    case store::Kind::kParameter: return Parameter(input, existing, tx);
    case store::Kind::kExperiment: return Experiment(input, existing, tx);
    case store::Kind::kApiKey:
    case store::Kind::kEnvironment:
    case store::Kind::kUser: break;
  }
  return Error{ErrorCode::kInternal, "unknown kind"};
}

}  // namespace aurora::server
