#include "server/api/ofrep.hpp"

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aurora/attributes.hpp"
#include "aurora/evaluation.hpp"

#include "engine/codec/json.hpp"
#include "engine/evaluator.hpp"

namespace aurora::server::api {
namespace {

using http::PathParams;
using http::Request;
using http::Response;

// OpenFeature error codes, as OFREP spells them.
constexpr std::string_view kParseError = "PARSE_ERROR";
constexpr std::string_view kInvalidContext = "INVALID_CONTEXT";
constexpr std::string_view kTargetingKeyMissing = "TARGETING_KEY_MISSING";
constexpr std::string_view kGeneral = "GENERAL";
constexpr std::string_view kFlagNotFound = "FLAG_NOT_FOUND";

// OpenFeature resolution reasons. OFREP 0.3.0 allows STATIC, TARGETING_MATCH, SPLIT, DISABLED
// and UNKNOWN on a successful evaluation (no DEFAULT: see ReasonFor).
constexpr std::string_view kStatic = "STATIC";
constexpr std::string_view kTargetingMatch = "TARGETING_MATCH";
constexpr std::string_view kSplit = "SPLIT";
constexpr std::string_view kDisabled = "DISABLED";
constexpr std::string_view kUnknown = "UNKNOWN";

// A failure of the whole request (the body or its context): 400.
struct Failure {
  std::string_view code;
  std::string details;
};

// What a request asks to evaluate with.
struct Input {
  Attributes attributes;
  bool has_targeting_key = false;  // the targeting attribute is usable for bucketing
};

// SPEC §3 "present" for a hash attribute: a non-empty string, a number or a boolean.
bool Hashable(const AttributeValue* v) {
  if (v == nullptr) return false;
  switch (v->kind) {
    case AttributeValue::Kind::kString:
      return !v->string_value.empty();
    case AttributeValue::Kind::kNumber:
    case AttributeValue::Kind::kBool:
      return true;
    case AttributeValue::Kind::kOther:
      return false;
  }
  return false;
}

// Reads `{"context": {...}}`. Every context entry becomes an attribute of the same name
// (strings, numbers and booleans typed; null, arrays and objects present but unusable, as in
// /api/v1/evaluate), then a non-empty `targetingKey` is also set as `targeting_attribute`,
// replacing a context entry of that name. Unknown top-level fields are ignored.
std::optional<Failure> ReadInput(const Request& req, const std::string& targeting_attribute,
                                 Input& out) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Failure{
        kParseError,
        "the body must be a JSON object such as {\"context\": {\"targetingKey\": \"user-1\"}}"};
  }
  auto doc = engine::ParseJson(req.body);
  if (!doc) return Failure{kParseError, "the body is not valid JSON: " + doc.error().message};
  if (!doc->is_object()) {
    return Failure{kParseError, "the body must be a JSON object, not " +
                                    std::string(engine::JsonTypeName(*doc))};
  }
  const auto context = doc->find("context");
  if (context == doc->end() || context->is_null()) {
    return Failure{kInvalidContext,
                   "the body has no \"context\" (an object with the evaluation context)"};
  }
  if (!context->is_object()) {
    return Failure{kInvalidContext, "\"context\" must be an object, not " +
                                        std::string(engine::JsonTypeName(*context))};
  }
  const std::string* targeting_key = nullptr;
  for (const auto& [name, value] : context->items()) {
    if (name == "targetingKey" && !value.is_null()) {
      if (!value.is_string()) {
        return Failure{kInvalidContext, "\"targetingKey\" must be a string, not " +
                                            std::string(engine::JsonTypeName(value))};
      }
      targeting_key = &value.get_ref<const std::string&>();
    }
    if (value.is_string()) {
      out.attributes.SetString(name, value.get_ref<const std::string&>());
    } else if (value.is_number()) {
      out.attributes.SetNumber(name, value.get<double>());
    } else if (value.is_boolean()) {
      out.attributes.SetBool(name, value.get<bool>());
    } else {
      out.attributes.SetOther(name);
    }
  }
  if (targeting_key != nullptr && !targeting_key->empty()) {
    out.attributes.SetString(targeting_attribute, *targeting_key);
  }
  out.has_targeting_key = Hashable(out.attributes.Find(targeting_attribute));
  return std::nullopt;
}

// The engine's own rules (evaluator.cpp), for deciding whether a missing key mattered.
bool Active(const engine::CompiledExperiment& e, engine::Timestamp now) {
  return (e.status == engine::ExperimentStatus::kRunning ||
          e.status == engine::ExperimentStatus::kScheduled) &&
         (!e.start_date || *e.start_date <= now) && (!e.end_date || now < *e.end_date);
}

bool AllHold(const std::vector<engine::CompiledCondition>& conditions,
             const Attributes& attributes) {
  for (const auto& c : conditions) {
    if (!engine::ConditionHolds(c, attributes)) return false;
  }
  return true;
}

bool SegmentMatches(const engine::CompiledSegment& segment, const Attributes& attributes) {
  for (const auto& rule : segment.rules) {
    if (AllHold(rule, attributes)) return true;
  }
  return false;
}

// Whether the evaluation passed over an experiment or a rollout rule that buckets users by the
// targeting attribute, and would otherwise have applied, only because that attribute is
// missing: then the answer depends on a targeting key the caller did not send. Steps after
// the one that decided do not count.
bool NeededTargetingKey(const engine::CompiledSnapshot& snapshot,
                        const engine::CompiledParameter& p, const Evaluation& e,
                        const Attributes& attributes, std::string_view attribute,
                        engine::Timestamp now) {
  if (!p.enabled) return false;
  for (const engine::ExperimentLink& link : p.experiments) {
    const engine::CompiledExperiment& x = snapshot.experiments[link.experiment];
    if (e.source == Source::kExperiment && x.id == e.experiment_id) return false;
    if (!Active(x, now)) continue;
    if (x.population_key.attribute != attribute && x.variant_key.attribute != attribute) continue;
    if (x.segment && !SegmentMatches(snapshot.segments[*x.segment], attributes)) continue;
    return true;
  }
  for (const engine::CompiledRule& rule : p.rules) {
    if (e.source == Source::kRule && rule.id == e.rule_id) return false;
    if (!rule.has_rollout || rule.rollout_key.attribute != attribute) continue;
    const bool holds = rule.type == engine::RuleType::kAttribute
                           ? AllHold(rule.conditions, attributes)
                           : SegmentMatches(snapshot.segments[rule.segment], attributes) ==
                                 (rule.match_type == engine::MatchType::kMatch);
    if (holds) return true;
  }
  return false;
}

const engine::CompiledRule* FindRule(const engine::CompiledParameter& p, std::string_view id) {
  for (const auto& rule : p.rules) {
    if (rule.id == id) return &rule;
  }
  return nullptr;
}

// Aurora's source/reason as an OpenFeature reason:
//   disabled                                       → DISABLED
//   experiment                                     → SPLIT
//   rule with a rollout percentage                 → SPLIT
//   rule without one                               → TARGETING_MATCH
//   default, no rules and no experiments at all    → STATIC
//   default after rules/experiments did not apply  → UNKNOWN (OpenFeature's DEFAULT is not in
//                                                    OFREP 0.3.0's reason enum; metadata.reason
//                                                    says "default")
std::string_view ReasonFor(const engine::CompiledParameter& p, const Evaluation& e) {
  if (e.reason == Reason::kDisabled) return kDisabled;
  switch (e.source) {
    case Source::kExperiment:
      return kSplit;
    case Source::kRule: {
      const engine::CompiledRule* rule = FindRule(p, e.rule_id);
      return rule != nullptr && rule->has_rollout ? kSplit : kTargetingMatch;
    }
    case Source::kDefault:
      return p.rules.empty() && p.experiments.empty() ? kStatic : kUnknown;
  }
  return kUnknown;
}

std::string ErrorJson(std::string_view key, std::string_view code, std::string_view details) {
  std::string out = R"({"key":)";
  out += http::JsonQuote(key);
  out += R"(,"errorCode":")";
  out += code;
  out += R"(","errorDetails":)";
  out += http::JsonQuote(details);
  out += '}';
  return out;
}

struct FlagResult {
  bool ok = false;  // an evaluationSuccess, else an evaluationFailure
  std::string json;
};

// One evaluated flag as an OFREP evaluationSuccess or evaluationFailure object.
FlagResult Flag(const engine::CompiledSnapshot& snapshot, const engine::CompiledParameter& p,
                const Input& input, std::string_view targeting_attribute, engine::Timestamp now,
                bool with_revision) {
  const Evaluation e = engine::Evaluate(snapshot, p.name, input.attributes, now);
  if (!input.has_targeting_key &&
      NeededTargetingKey(snapshot, p, e, input.attributes, targeting_attribute, now)) {
    return {false, ErrorJson(p.name, kTargetingKeyMissing,
                             "flag \"" + p.name + "\" buckets users by \"" +
                                 std::string(targeting_attribute) +
                                 "\": send a targetingKey in the context")};
  }
  if (e.value->kind() == Value::Kind::kArray) {
    return {
        false,
        ErrorJson(p.name, kGeneral,
                  "flag \"" + p.name +
                      "\" has an array value, which OFREP cannot carry (it allows objects only)")};
  }
  FlagResult r;
  r.ok = true;
  std::string& out = r.json;
  out = R"({"key":)";
  out += http::JsonQuote(p.name);
  // A null (json parameters only) has no OFREP type: the answer defers to the code default.
  if (!e.value->IsNull()) {
    out += R"(,"value":)";
    out += e.value->Json();
  }
  out += R"(,"reason":")";
  out += ReasonFor(p, e);
  out += R"(","variant":)";
  switch (e.source) {
    case Source::kRule:
      out += http::JsonQuote(e.rule_id);
      break;
    case Source::kExperiment:
      out += "\"experiment-" + std::to_string(e.experiment_id) + "-variant-" +
             std::to_string(e.variant_id) + "\"";
      break;
    case Source::kDefault:
      out += R"("default")";
      break;
  }
  out += R"(,"metadata":{"source":")";
  out += SourceName(e.source);
  out += R"(","reason":")";
  out += ReasonName(e.reason);
  out += R"(","dataType":")";
  out += DataTypeName(e.data_type);
  out += '"';
  if (e.source == Source::kRule) {
    out += R"(,"ruleId":)";
    out += http::JsonQuote(e.rule_id);
  } else if (e.source == Source::kExperiment) {
    out += R"(,"experimentId":)" + std::to_string(e.experiment_id);
    out += R"(,"variantId":)" + std::to_string(e.variant_id);
  }
  if (with_revision) out += R"(,"revision":)" + std::to_string(snapshot.revision);
  out += "}}";
  return r;
}

// 500 generalErrorResponse.
Response GeneralError(std::string_view details) {
  return Response::Json(500, R"({"errorDetails":)" + http::JsonQuote(details) + "}");
}

std::uint64_t Fnv1a(std::string_view data) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : data) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

// Weak comparison of an If-None-Match list against `etag`.
bool NoneMatch(const Request& req, std::string_view etag) {
  const auto header = req.Header("If-None-Match");
  if (!header) return false;
  std::string_view list = *header;
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view tag = list.substr(0, comma);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

Response EvaluateOne(ApiContext& ctx, const Request& req, const PathParams& params) {
  const std::string_view key = params.Get("key");
  const auto found = BundleOf(ctx, req);
  if (!found) return GeneralError(found.error().message);
  const auto& bundle = *found;
  const std::string& attribute = ctx.config.ofrep.targeting_key_attribute;
  Input input;
  if (auto failure = ReadInput(req, attribute, input)) {
    return Response::Json(400, ErrorJson(key, failure->code, failure->details));
  }
  const engine::CompiledSnapshot& snapshot = *bundle->compiled;
  const engine::CompiledParameter* p = snapshot.FindParameter(key);
  if (p == nullptr) {
    return Response::Json(
        404, ErrorJson(key, kFlagNotFound, "flag \"" + std::string(key) + "\" was not found"));
  }
  FlagResult r = Flag(snapshot, *p, input, attribute, ctx.clock.Now(), /*with_revision=*/true);
  return Response::Json(r.ok ? 200 : 400, std::move(r.json));
}

Response EvaluateAll(ApiContext& ctx, const Request& req) {
  const auto found = BundleOf(ctx, req);
  if (!found) return GeneralError(found.error().message);
  const auto& bundle = *found;
  const std::string& attribute = ctx.config.ofrep.targeting_key_attribute;
  Input input;
  if (auto failure = ReadInput(req, attribute, input)) {
    return Response::Json(400, R"({"errorCode":")" + std::string(failure->code) +
                                   R"(","errorDetails":)" + http::JsonQuote(failure->details) +
                                   "}");
  }
  const engine::CompiledSnapshot& snapshot = *bundle->compiled;
  const engine::Timestamp now = ctx.clock.Now();
  std::string body = R"({"flags":[)";
  bool first = true;
  for (const engine::CompiledParameter& p : snapshot.parameters) {
    if (!first) body += ',';
    first = false;
    body += Flag(snapshot, p, input, attribute, now, /*with_revision=*/false).json;
  }
  body += R"(],"metadata":{"revision":)" + std::to_string(snapshot.revision) + "}}";
  // The answer depends on the context and the clock (experiment windows) as well as on the
  // revision, so the tag is the revision plus a hash of the answer itself.
  char hex[16];
  const auto end = std::to_chars(hex, hex + sizeof hex, Fnv1a(body), 16).ptr;
  const std::string etag =
      "\"" + std::to_string(snapshot.revision) + "-" + std::string(hex, end) + "\"";
  if (NoneMatch(req, etag)) {
    Response not_modified;
    not_modified.status = 304;
    not_modified.SetHeader("ETag", etag);
    return not_modified;
  }
  Response r = Response::Json(200, std::move(body));
  r.SetHeader("ETag", etag);
  return r;
}

}  // namespace

void RegisterOfrepRoutes(http::Router& router, ApiContext& ctx) {
  router.Add("POST", "/ofrep/v1/evaluate/flags/:key",
             [&ctx](const Request& req, const PathParams& params) {
               return EvaluateOne(ctx, req, params);
             });
  router.Add("POST", "/ofrep/v1/evaluate/flags",
             [&ctx](const Request& req, const PathParams&) { return EvaluateAll(ctx, req); });
}

}  // namespace aurora::server::api
