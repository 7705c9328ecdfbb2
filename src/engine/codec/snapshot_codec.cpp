#include "engine/codec/snapshot_codec.hpp"

#include <limits>

#include "engine/codec/json.hpp"

namespace aurora::engine {
namespace {

using nlohmann::json;

// The decoder reports the first problem it meets. Inside this file a problem unwinds to
// DecodeSnapshot as a Failure, which turns it into an Error value; nothing escapes.
struct Failure {
  Error error;
};

[[noreturn]] void Fail(const std::string& path, std::string message) {
  throw Failure{Error{ErrorCode::kInvalidArgument, std::move(message), path}};
}

std::string Expected(const char* what, const json& got) {
  return std::string("must be ") + what + ", got " + JsonTypeName(got);
}

const json* Find(const json& object, std::string_view key) {
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const json& Require(const json& object, const std::string& path, std::string_view key) {
  const json* v = Find(object, key);
  if (v == nullptr) Fail(JoinPath(path, key), "is required");
  return *v;
}

const json& ObjectAt(const json& v, const std::string& path) {
  if (!v.is_object()) Fail(path, Expected("an object", v));
  return v;
}

const json& ArrayAt(const json& v, const std::string& path) {
  if (!v.is_array()) Fail(path, Expected("an array", v));
  return v;
}

std::string StringAt(const json& v, const std::string& path) {
  if (!v.is_string()) Fail(path, Expected("a string", v));
  return v.get<std::string>();
}

bool BoolAt(const json& v, const std::string& path) {
  if (!v.is_boolean()) Fail(path, Expected("a boolean", v));
  return v.get<bool>();
}

std::int64_t IntAt(const json& v, const std::string& path) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(u);
    }
    Fail(path, "is out of range");
  }
  Fail(path, Expected("an integer", v));
}

Hundredths PercentAt(const json& v, const std::string& path, double min_exclusive_or_inclusive,
                     bool min_inclusive) {
  if (!v.is_number()) Fail(path, Expected("a number", v));
  const double percent = v.get<double>();
  const auto h = PercentToHundredths(percent);
  if (!h) Fail(path, "must have at most two decimals");
  const bool above_min = min_inclusive ? percent >= min_exclusive_or_inclusive
                                       : percent > min_exclusive_or_inclusive;
  if (!above_min || *h > kFullPercentage) {
    Fail(path, min_inclusive ? "must be between 0 and 100" : "must be greater than 0 and at most 100");
  }
  return *h;
}

std::string OptionalString(const json& object, const std::string& path, std::string_view key) {
  const json* v = Find(object, key);
  if (v == nullptr || v->is_null()) return {};
  return StringAt(*v, JoinPath(path, key));
}

std::optional<Timestamp> OptionalDate(const json& object, const std::string& path, std::string_view key) {
  const json* v = Find(object, key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  const std::string p = JoinPath(path, key);
  const auto t = ParseRfc3339(StringAt(*v, p));
  if (!t) Fail(p, "must be an RFC 3339 date-time");
  return t;
}

template <class E>
E EnumAt(const json& v, const std::string& path, std::optional<E> (*parse)(std::string_view),
         const char* what) {
  const std::string s = StringAt(v, path);
  const auto e = parse(s);
  if (!e) Fail(path, std::string("unknown ") + what + " \"" + s + "\"");
  return *e;
}

// An optional array field: missing or null reads as empty.
const json& OptionalArray(const json& object, const std::string& path, std::string_view key) {
  static const json kEmpty = json::array();
  const json* v = Find(object, key);
  if (v == nullptr || v->is_null()) return kEmpty;
  return ArrayAt(*v, JoinPath(path, key));
}

Condition DecodeCondition(const json& v, const std::string& path) {
  ObjectAt(v, path);
  Condition c;
  c.attribute = StringAt(Require(v, path, "attribute"), JoinPath(path, "attribute"));
  c.op = EnumAt<Operator>(Require(v, path, "operator"), JoinPath(path, "operator"), ParseOperator,
                          "operator");
  c.value = Require(v, path, "value");
  return c;
}

std::vector<Condition> DecodeConditions(const json& object, const std::string& path) {
  std::vector<Condition> out;
  const std::string p = JoinPath(path, "conditions");
  const json& list = OptionalArray(object, path, "conditions");
  for (std::size_t i = 0; i < list.size(); ++i) out.push_back(DecodeCondition(list[i], JoinPath(p, i)));
  return out;
}

Attribute DecodeAttribute(const json& v, const std::string& path) {
  ObjectAt(v, path);
  Attribute a;
  if (const json* id = Find(v, "id"); id != nullptr && !id->is_null()) a.id = IntAt(*id, JoinPath(path, "id"));
  a.name = StringAt(Require(v, path, "name"), JoinPath(path, "name"));
  a.description = OptionalString(v, path, "description");
  a.type = EnumAt<AttributeType>(Require(v, path, "dataType"), JoinPath(path, "dataType"),
                                 ParseAttributeType, "dataType");
  const std::string options_path = JoinPath(path, "enumOptions");
  const json& options = OptionalArray(v, path, "enumOptions");
  for (std::size_t i = 0; i < options.size(); ++i) {
    a.enum_options.push_back(StringAt(options[i], JoinPath(options_path, i)));
  }
  return a;
}

Segment DecodeSegment(const json& v, const std::string& path) {
  ObjectAt(v, path);
  Segment s;
  s.id = IntAt(Require(v, path, "id"), JoinPath(path, "id"));
  s.name = OptionalString(v, path, "name");
  s.description = OptionalString(v, path, "description");
  const std::string rules_path = JoinPath(path, "rules");
  const json& rules = ArrayAt(Require(v, path, "rules"), rules_path);
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const std::string rp = JoinPath(rules_path, i);
    ObjectAt(rules[i], rp);
    SegmentRule rule;
    rule.name = OptionalString(rules[i], rp, "name");
    ArrayAt(Require(rules[i], rp, "conditions"), JoinPath(rp, "conditions"));
    rule.conditions = DecodeConditions(rules[i], rp);
    s.rules.push_back(std::move(rule));
  }
  return s;
}

ParameterRule DecodeRule(const json& v, const std::string& path) {
  ObjectAt(v, path);
  ParameterRule r;
  r.id = StringAt(Require(v, path, "id"), JoinPath(path, "id"));
  if (r.id.empty()) Fail(JoinPath(path, "id"), "must not be empty");
  r.name = OptionalString(v, path, "name");
  r.type = EnumAt<RuleType>(Require(v, path, "type"), JoinPath(path, "type"), ParseRuleType, "rule type");
  if (r.type == RuleType::kAttribute) {
    r.conditions = DecodeConditions(v, path);
  } else {
    r.segment_id = IntAt(Require(v, path, "segmentId"), JoinPath(path, "segmentId"));
    if (const json* m = Find(v, "matchType"); m != nullptr && !m->is_null()) {
      r.match_type = EnumAt<MatchType>(*m, JoinPath(path, "matchType"), ParseMatchType, "matchType");
    }
  }
  r.value = Require(v, path, "value");
  if (const json* ro = Find(v, "rollout"); ro != nullptr && !ro->is_null()) {
    const std::string rp = JoinPath(path, "rollout");
    ObjectAt(*ro, rp);
    Rollout rollout;
    rollout.percentage = PercentAt(Require(*ro, rp, "percentage"), JoinPath(rp, "percentage"), 0, true);
    rollout.hash_attribute = StringAt(Require(*ro, rp, "hashAttribute"), JoinPath(rp, "hashAttribute"));
    r.rollout = std::move(rollout);
  }
  return r;
}

Parameter DecodeParameter(const json& v, const std::string& path) {
  ObjectAt(v, path);
  Parameter p;
  if (const json* id = Find(v, "id"); id != nullptr && !id->is_null()) p.id = IntAt(*id, JoinPath(path, "id"));
  p.name = StringAt(Require(v, path, "name"), JoinPath(path, "name"));
  p.description = OptionalString(v, path, "description");
  p.type = EnumAt<ParameterType>(Require(v, path, "dataType"), JoinPath(path, "dataType"),
                                 ParseParameterType, "dataType");
  p.default_value = Require(v, path, "defaultValue");
  if (const json* e = Find(v, "enabled"); e != nullptr) p.enabled = BoolAt(*e, JoinPath(path, "enabled"));
  const std::string rules_path = JoinPath(path, "rules");
  const json& rules = OptionalArray(v, path, "rules");
  for (std::size_t i = 0; i < rules.size(); ++i) p.rules.push_back(DecodeRule(rules[i], JoinPath(rules_path, i)));
  return p;
}

Experiment DecodeExperiment(const json& v, const std::string& path) {
  ObjectAt(v, path);
  Experiment e;
  e.id = IntAt(Require(v, path, "id"), JoinPath(path, "id"));
  e.uuid = StringAt(Require(v, path, "uuid"), JoinPath(path, "uuid"));
  if (e.uuid.empty()) Fail(JoinPath(path, "uuid"), "must not be empty");
  e.name = OptionalString(v, path, "name");
  e.description = OptionalString(v, path, "description");
  e.hypothesis = OptionalString(v, path, "hypothesis");
  e.status = EnumAt<ExperimentStatus>(Require(v, path, "status"), JoinPath(path, "status"),
                                      ParseExperimentStatus, "status");
  e.start_date = OptionalDate(v, path, "startDate");
  e.end_date = OptionalDate(v, path, "endDate");
  e.hash_attribute = StringAt(Require(v, path, "hashAttribute"), JoinPath(path, "hashAttribute"));
  if (const json* p = Find(v, "populationSize"); p != nullptr && !p->is_null()) {
    e.population = PercentAt(*p, JoinPath(path, "populationSize"), 0, false);
  }
  if (const json* s = Find(v, "segmentId"); s != nullptr && !s->is_null()) {
    e.segment_id = IntAt(*s, JoinPath(path, "segmentId"));
  }
  const std::string variants_path = JoinPath(path, "variants");
  const json& variants = ArrayAt(Require(v, path, "variants"), variants_path);
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const std::string vp = JoinPath(variants_path, i);
    const json& jv = ObjectAt(variants[i], vp);
    Variant variant;
    variant.id = IntAt(Require(jv, vp, "id"), JoinPath(vp, "id"));
    variant.name = OptionalString(jv, vp, "name");
    variant.description = OptionalString(jv, vp, "description");
    variant.traffic_allocation =
        PercentAt(Require(jv, vp, "trafficAllocation"), JoinPath(vp, "trafficAllocation"), 0, true);
    if (const json* params = Find(jv, "parameters"); params != nullptr && !params->is_null()) {
      ObjectAt(*params, JoinPath(vp, "parameters"));
      for (const auto& [name, value] : params->items()) {
        variant.parameters.push_back(VariantParameter{name, value});
      }
    }
    e.variants.push_back(std::move(variant));
  }
  return e;
}

template <class T>
std::vector<T> DecodeSection(const json& doc, std::string_view key, T (*decode)(const json&, const std::string&)) {
  std::vector<T> out;
  const json* v = Find(doc, key);
  if (v == nullptr) return out;
  const std::string path(key);
  ArrayAt(*v, path);
  out.reserve(v->size());
  for (std::size_t i = 0; i < v->size(); ++i) out.push_back(decode((*v)[i], JoinPath(path, i)));
  return out;
}

}  // namespace

Result<Snapshot> DecodeSnapshot(std::string_view json_text) {
  // A snapshot nests API values up to 6 levels deeper than the API body that set them.
  auto doc = ParseJson(json_text, kDefaultMaxJsonDepth + 8);
  if (!doc) return std::move(doc).error();
  return DecodeSnapshotDocument(*doc);
}

Result<Snapshot> DecodeSnapshotDocument(const json& doc) {
  try {
    ObjectAt(doc, "");
    Snapshot s;
    const json& version = Require(doc, "", "formatVersion");
    if (!version.is_number_integer() && !version.is_number_unsigned()) {
      Fail("formatVersion", Expected("an integer", version));
    }
    if (version.get<std::int64_t>() != Snapshot::kFormatVersion) {
      Fail("formatVersion", "unsupported snapshot format version " + version.dump() + " (this build reads " +
                                std::to_string(Snapshot::kFormatVersion) + ")");
    }
    s.revision = IntAt(Require(doc, "", "revision"), "revision");
    if (s.revision < 0) Fail("revision", "must not be negative");
    s.generated_at = OptionalDate(doc, "", "generatedAt");
    s.attributes = DecodeSection<Attribute>(doc, "attributes", DecodeAttribute);
    s.segments = DecodeSection<Segment>(doc, "segments", DecodeSegment);
    s.parameters = DecodeSection<Parameter>(doc, "parameters", DecodeParameter);
    s.experiments = DecodeSection<Experiment>(doc, "experiments", DecodeExperiment);
    return s;
  } catch (Failure& f) {
    return std::move(f.error);
  }
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
