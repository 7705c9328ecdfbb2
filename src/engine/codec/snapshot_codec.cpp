#include "engine/codec/snapshot_codec.hpp"

#include <algorithm>
#include <limits>

#include "engine/codec/json.hpp"

namespace aurora::engine {
namespace {

using nlohmann::json;

// The decoder walks the document once (JsonDocument) and builds JSON paths only for an error.
// It reports the first problem it meets; inside this file a problem unwinds to
// DecodeSnapshot as a Failure, which turns it into an Error value; nothing escapes.
struct Failure {
  Error error;
};

[[noreturn]] void Fail(const JsonPath& path, std::string message) {
  throw Failure{Error{ErrorCode::kInvalidArgument, std::move(message), path.ToString()}};
}

std::string Expected(const char* what, const JsonNode& got) {
  return std::string("must be ") + what + ", got " + got.TypeName();
}

JsonNode Require(const JsonNode& object, const JsonPath& path, std::string_view key) {
  const auto v = object.Find(key);
  if (!v) Fail(JsonPath(path, key), "is required");
  return *v;
}

// Present and not null.
std::optional<JsonNode> Optional(const JsonNode& object, std::string_view key) {
  auto v = object.Find(key);
  if (v && v->IsNull()) return std::nullopt;
  return v;
}

void ObjectAt(const JsonNode& v, const JsonPath& path) {
  if (!v.IsObject()) Fail(path, Expected("an object", v));
}

void ArrayAt(const JsonNode& v, const JsonPath& path) {
  if (!v.IsArray()) Fail(path, Expected("an array", v));
}

std::string_view StringAt(const JsonNode& v, const JsonPath& path) {
  if (!v.IsString()) Fail(path, Expected("a string", v));
  return v.GetString();
}

bool BoolAt(const JsonNode& v, const JsonPath& path) {
  if (!v.IsBool()) Fail(path, Expected("a boolean", v));
  return v.GetBool();
}

std::int64_t IntAt(const JsonNode& v, const JsonPath& path) {
  // Ids and revisions are signed 64-bit: a larger integer is refused instead of wrapping.
  if (v.type() == JsonNode::Type::kUnsigned &&
      v.GetUnsigned() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    Fail(path, "is out of range (at most 9223372036854775807)");
  }
  if (v.IsInteger()) return v.GetInteger();
  Fail(path, Expected("an integer", v));
}

Hundredths PercentAt(const JsonNode& v, const JsonPath& path, double min_exclusive_or_inclusive,
                     bool min_inclusive) {
  if (!v.IsNumber()) Fail(path, Expected("a number", v));
  const double percent = v.GetDouble();
  const auto h = PercentToHundredths(percent);
  if (!h) Fail(path, "must have at most two decimals");
  const bool above_min = min_inclusive ? percent >= min_exclusive_or_inclusive
                                       : percent > min_exclusive_or_inclusive;
  if (!above_min || *h > kFullPercentage) {
    Fail(path, min_inclusive ? "must be between 0 and 100" : "must be greater than 0 and at most 100");
  }
  return *h;
}

std::string OptionalString(const JsonNode& object, const JsonPath& path, std::string_view key) {
  const auto v = Optional(object, key);
  if (!v) return {};
  return std::string(StringAt(*v, JsonPath(path, key)));
}

std::optional<Timestamp> OptionalDate(const JsonNode& object, const JsonPath& path, std::string_view key) {
  const auto v = Optional(object, key);
  if (!v) return std::nullopt;
  const JsonPath p(path, key);
  const auto t = ParseRfc3339(StringAt(*v, p));
  if (!t) Fail(p, "must be an RFC 3339 date-time");
  return t;
}

template <class E>
E EnumAt(const JsonNode& v, const JsonPath& path, std::optional<E> (*parse)(std::string_view),
         const char* what) {
  const std::string_view s = StringAt(v, path);
  const auto e = parse(s);
  if (!e) Fail(path, std::string("unknown ") + what + " \"" + std::string(s) + "\"");
  return *e;
}

// An optional array field: missing or null reads as empty (nullopt).
std::optional<JsonNode> OptionalArray(const JsonNode& object, const JsonPath& path, std::string_view key) {
  const auto v = Optional(object, key);
  if (v) ArrayAt(*v, JsonPath(path, key));
  return v;
}

// Calls `each(element, path_of_element)` for every element of an array.
template <class F>
void ForEachElement(const JsonNode& array, const JsonPath& path, F&& each) {
  if (array.size() == 0) return;
  JsonNode item = array.First();
  for (std::size_t i = 0; i < array.size(); ++i, item = item.Next()) {
    const JsonPath item_path(path, i);
    each(item, item_path);
  }
}

Condition DecodeCondition(const JsonNode& v, const JsonPath& path) {
  ObjectAt(v, path);
  Condition c;
  c.attribute = StringAt(Require(v, path, "attribute"), JsonPath(path, "attribute"));
  c.op = EnumAt<Operator>(Require(v, path, "operator"), JsonPath(path, "operator"), ParseOperator,
                          "operator");
  c.value = Require(v, path, "value").ToJson();
  return c;
}

std::vector<Condition> DecodeConditions(const JsonNode& object, const JsonPath& path) {
  std::vector<Condition> out;
  const auto list = OptionalArray(object, path, "conditions");
  if (!list) return out;
  out.reserve(list->size());
  const JsonPath p(path, "conditions");
  ForEachElement(*list, p, [&](const JsonNode& item, const JsonPath& ip) {
    out.push_back(DecodeCondition(item, ip));
  });
  return out;
}

Attribute DecodeAttribute(const JsonNode& v, const JsonPath& path) {
  ObjectAt(v, path);
  Attribute a;
  if (const auto id = Optional(v, "id")) a.id = IntAt(*id, JsonPath(path, "id"));
  a.name = StringAt(Require(v, path, "name"), JsonPath(path, "name"));
  a.description = OptionalString(v, path, "description");
  a.type = EnumAt<AttributeType>(Require(v, path, "dataType"), JsonPath(path, "dataType"),
                                 ParseAttributeType, "dataType");
  if (const auto options = OptionalArray(v, path, "enumOptions")) {
    const JsonPath options_path(path, "enumOptions");
    a.enum_options.reserve(options->size());
    ForEachElement(*options, options_path, [&](const JsonNode& item, const JsonPath& ip) {
      a.enum_options.emplace_back(StringAt(item, ip));
    });
  }
  return a;
}

Segment DecodeSegment(const JsonNode& v, const JsonPath& path) {
  ObjectAt(v, path);
  Segment s;
  s.id = IntAt(Require(v, path, "id"), JsonPath(path, "id"));
  s.name = OptionalString(v, path, "name");
  s.description = OptionalString(v, path, "description");
  const JsonPath rules_path(path, "rules");
  const JsonNode rules = Require(v, path, "rules");
  ArrayAt(rules, rules_path);
  s.rules.reserve(rules.size());
  ForEachElement(rules, rules_path, [&](const JsonNode& jr, const JsonPath& rp) {
    ObjectAt(jr, rp);
    SegmentRule rule;
    rule.name = OptionalString(jr, rp, "name");
    ArrayAt(Require(jr, rp, "conditions"), JsonPath(rp, "conditions"));
    rule.conditions = DecodeConditions(jr, rp);
    s.rules.push_back(std::move(rule));
  });
  return s;
}

ParameterRule DecodeRule(const JsonNode& v, const JsonPath& path) {
  ObjectAt(v, path);
  ParameterRule r;
  r.id = StringAt(Require(v, path, "id"), JsonPath(path, "id"));
  if (r.id.empty()) Fail(JsonPath(path, "id"), "must not be empty");
  r.name = OptionalString(v, path, "name");
  r.type = EnumAt<RuleType>(Require(v, path, "type"), JsonPath(path, "type"), ParseRuleType, "rule type");
  if (r.type == RuleType::kAttribute) {
    r.conditions = DecodeConditions(v, path);
  } else {
    r.segment_id = IntAt(Require(v, path, "segmentId"), JsonPath(path, "segmentId"));
    if (const auto m = Optional(v, "matchType")) {
      r.match_type = EnumAt<MatchType>(*m, JsonPath(path, "matchType"), ParseMatchType, "matchType");
    }
  }
  r.value = Require(v, path, "value").ToJson();
  if (const auto ro = Optional(v, "rollout")) {
    const JsonPath rp(path, "rollout");
    ObjectAt(*ro, rp);
    Rollout rollout;
    rollout.percentage = PercentAt(Require(*ro, rp, "percentage"), JsonPath(rp, "percentage"), 0, true);
    rollout.hash_attribute = StringAt(Require(*ro, rp, "hashAttribute"), JsonPath(rp, "hashAttribute"));
    r.rollout = std::move(rollout);
  }
  return r;
}

Parameter DecodeParameter(const JsonNode& v, const JsonPath& path) {
  ObjectAt(v, path);
  Parameter p;
  if (const auto id = Optional(v, "id")) p.id = IntAt(*id, JsonPath(path, "id"));
  p.name = StringAt(Require(v, path, "name"), JsonPath(path, "name"));
  p.description = OptionalString(v, path, "description");
  p.type = EnumAt<ParameterType>(Require(v, path, "dataType"), JsonPath(path, "dataType"),
                                 ParseParameterType, "dataType");
  p.default_value = Require(v, path, "defaultValue").ToJson();
  if (const auto e = v.Find("enabled")) p.enabled = BoolAt(*e, JsonPath(path, "enabled"));
  if (const auto rules = OptionalArray(v, path, "rules")) {
    const JsonPath rules_path(path, "rules");
    p.rules.reserve(rules->size());
    ForEachElement(*rules, rules_path, [&](const JsonNode& item, const JsonPath& rp) {
      p.rules.push_back(DecodeRule(item, rp));
    });
  }
  return p;
}

Experiment DecodeExperiment(const JsonNode& v, const JsonPath& path) {
  ObjectAt(v, path);
  Experiment e;
  e.id = IntAt(Require(v, path, "id"), JsonPath(path, "id"));
  e.uuid = StringAt(Require(v, path, "uuid"), JsonPath(path, "uuid"));
  if (e.uuid.empty()) Fail(JsonPath(path, "uuid"), "must not be empty");
  e.name = OptionalString(v, path, "name");
  e.description = OptionalString(v, path, "description");
  e.hypothesis = OptionalString(v, path, "hypothesis");
  e.status = EnumAt<ExperimentStatus>(Require(v, path, "status"), JsonPath(path, "status"),
                                      ParseExperimentStatus, "status");
  e.start_date = OptionalDate(v, path, "startDate");
  e.end_date = OptionalDate(v, path, "endDate");
  e.hash_attribute = StringAt(Require(v, path, "hashAttribute"), JsonPath(path, "hashAttribute"));
  if (const auto p = Optional(v, "populationSize")) {
    e.population = PercentAt(*p, JsonPath(path, "populationSize"), 0, false);
  }
  if (const auto s = Optional(v, "segmentId")) e.segment_id = IntAt(*s, JsonPath(path, "segmentId"));
  const JsonPath variants_path(path, "variants");
  const JsonNode variants = Require(v, path, "variants");
  ArrayAt(variants, variants_path);
  e.variants.reserve(variants.size());
  ForEachElement(variants, variants_path, [&](const JsonNode& jv, const JsonPath& vp) {
    ObjectAt(jv, vp);
    Variant variant;
    variant.id = IntAt(Require(jv, vp, "id"), JsonPath(vp, "id"));
    variant.name = OptionalString(jv, vp, "name");
    variant.description = OptionalString(jv, vp, "description");
    variant.traffic_allocation =
        PercentAt(Require(jv, vp, "trafficAllocation"), JsonPath(vp, "trafficAllocation"), 0, true);
    if (const auto params = Optional(jv, "parameters")) {
      ObjectAt(*params, JsonPath(vp, "parameters"));
      variant.parameters.reserve(params->size());
      if (params->size() > 0) {
        JsonNode key = params->First();
        for (std::size_t i = 0; i < params->size(); ++i) {
          const JsonNode value = key.Next();
          variant.parameters.push_back(VariantParameter{std::string(key.GetString()), value.ToJson()});
          key = value.Next();
        }
      }
      // In key order, as nlohmann's object iteration gave them (keys are distinct).
      std::sort(variant.parameters.begin(), variant.parameters.end(),
                [](const VariantParameter& a, const VariantParameter& b) {
                  return a.parameter_name < b.parameter_name;
                });
    }
    e.variants.push_back(std::move(variant));
  });
  return e;
}

template <class T>
std::vector<T> DecodeSection(const JsonNode& doc, const JsonPath& root, std::string_view key,
                             T (*decode)(const JsonNode&, const JsonPath&)) {
  std::vector<T> out;
  const auto v = doc.Find(key);
  if (!v) return out;
  const JsonPath path(root, key);
  ArrayAt(*v, path);
  out.reserve(v->size());
  ForEachElement(*v, path, [&](const JsonNode& item, const JsonPath& ip) { out.push_back(decode(item, ip)); });
  return out;
}

Result<Snapshot> DecodeRoot(const JsonNode& doc) {
  try {
    const JsonPath root;
    ObjectAt(doc, root);
    Snapshot s;
    const JsonPath version_path(root, "formatVersion");
    const JsonNode version = Require(doc, root, "formatVersion");
    if (!version.IsInteger()) Fail(version_path, Expected("an integer", version));
    if (version.GetInteger() != Snapshot::kFormatVersion) {
      Fail(version_path, "unsupported snapshot format version " + version.ToJson().dump() +
                             " (this build reads " + std::to_string(Snapshot::kFormatVersion) + ")");
    }
    const JsonPath revision_path(root, "revision");
    s.revision = IntAt(Require(doc, root, "revision"), revision_path);
    if (s.revision < 0) Fail(revision_path, "must not be negative");
    s.generated_at = OptionalDate(doc, root, "generatedAt");
    s.attributes = DecodeSection<Attribute>(doc, root, "attributes", DecodeAttribute);
    s.segments = DecodeSection<Segment>(doc, root, "segments", DecodeSegment);
    s.parameters = DecodeSection<Parameter>(doc, root, "parameters", DecodeParameter);
    s.experiments = DecodeSection<Experiment>(doc, root, "experiments", DecodeExperiment);
    return s;
  } catch (Failure& f) {
    return std::move(f.error);
  }
}

}  // namespace

Result<Snapshot> DecodeSnapshot(std::string_view json_text) {
  // A snapshot nests API values up to 6 levels deeper than the API body that set them.
  auto doc = JsonDocument::Parse(json_text, kDefaultMaxJsonDepth + 8);
  if (!doc) return std::move(doc).error();
  return DecodeRoot(doc->Root());
}

// --- encoding ---------------------------------------------------------------------------

nlohmann::ordered_json PercentJson(Hundredths h) {
  if (h % 100 == 0) return h / 100;
  return HundredthsToPercent(h);
}

nlohmann::ordered_json ConditionToJson(const Condition& c) {
  nlohmann::ordered_json j;
  j["attribute"] = c.attribute;
  j["operator"] = Name(c.op);
  j["value"] = c.value;
  return j;
}

namespace {
nlohmann::ordered_json ConditionsToJson(const std::vector<Condition>& conditions) {
  auto arr = nlohmann::ordered_json::array();
  for (const Condition& c : conditions) arr.push_back(ConditionToJson(c));
  return arr;
}
nlohmann::ordered_json DateJson(const std::optional<Timestamp>& t) {
  return t ? nlohmann::ordered_json(FormatRfc3339(*t)) : nlohmann::ordered_json(nullptr);
}
}  // namespace

nlohmann::ordered_json AttributeToJson(const Attribute& a) {
  nlohmann::ordered_json j;
  j["name"] = a.name;
  j["dataType"] = Name(a.type);
  j["enumOptions"] = a.enum_options;
  return j;
}

nlohmann::ordered_json SegmentToJson(const Segment& s) {
  nlohmann::ordered_json j;
  j["id"] = s.id;
  j["name"] = s.name;
  auto rules = nlohmann::ordered_json::array();
  for (const SegmentRule& r : s.rules) {
    nlohmann::ordered_json jr;
    if (!r.name.empty()) jr["name"] = r.name;
    jr["conditions"] = ConditionsToJson(r.conditions);
    rules.push_back(std::move(jr));
  }
  j["rules"] = std::move(rules);
  return j;
}

nlohmann::ordered_json ParameterToJson(const Parameter& p) {
  nlohmann::ordered_json j;
  j["name"] = p.name;
  j["dataType"] = Name(p.type);
  j["enabled"] = p.enabled;
  j["defaultValue"] = p.default_value;
  auto rules = nlohmann::ordered_json::array();
  for (const ParameterRule& r : p.rules) {
    nlohmann::ordered_json jr;
    jr["id"] = r.id;
    if (!r.name.empty()) jr["name"] = r.name;
    jr["type"] = Name(r.type);
    if (r.type == RuleType::kAttribute) {
      jr["conditions"] = ConditionsToJson(r.conditions);
    } else {
      jr["segmentId"] = r.segment_id;
      jr["matchType"] = Name(r.match_type);
    }
    jr["value"] = r.value;
    if (r.rollout) {
      jr["rollout"] = {{"percentage", PercentJson(r.rollout->percentage)},
                       {"hashAttribute", r.rollout->hash_attribute}};
    }
    rules.push_back(std::move(jr));
  }
  j["rules"] = std::move(rules);
  return j;
}

nlohmann::ordered_json ExperimentToJson(const Experiment& e) {
  nlohmann::ordered_json j;
  j["id"] = e.id;
  j["uuid"] = e.uuid;
  j["name"] = e.name;
  j["status"] = Name(e.status);
  j["startDate"] = DateJson(e.start_date);
  j["endDate"] = DateJson(e.end_date);
  j["hashAttribute"] = e.hash_attribute;
  j["populationSize"] = PercentJson(e.population);
  j["segmentId"] = e.segment_id ? nlohmann::ordered_json(*e.segment_id) : nlohmann::ordered_json(nullptr);
  auto variants = nlohmann::ordered_json::array();
  for (const Variant& v : e.variants) {
    nlohmann::ordered_json jv;
    jv["id"] = v.id;
    jv["name"] = v.name;
    jv["trafficAllocation"] = PercentJson(v.traffic_allocation);
    auto params = nlohmann::ordered_json::object();
    for (const VariantParameter& vp : v.parameters) params[vp.parameter_name] = vp.value;
    jv["parameters"] = std::move(params);
    variants.push_back(std::move(jv));
  }
  j["variants"] = std::move(variants);
  return j;
}

nlohmann::ordered_json SnapshotToJson(const Snapshot& s) {
  nlohmann::ordered_json j;
  j["formatVersion"] = s.format_version;
  j["revision"] = s.revision;
  j["generatedAt"] = DateJson(s.generated_at);
  auto section = [](const auto& items, auto to_json) {
    auto arr = nlohmann::ordered_json::array();
    for (const auto& item : items) arr.push_back(to_json(item));
    return arr;
  };
  j["attributes"] = section(s.attributes, AttributeToJson);
  j["segments"] = section(s.segments, SegmentToJson);
  j["parameters"] = section(s.parameters, ParameterToJson);
  j["experiments"] = section(s.experiments, ExperimentToJson);
  return j;
}

std::string EncodeSnapshot(const Snapshot& snapshot) { return SnapshotToJson(snapshot).dump(); }

}  // namespace aurora::engine
