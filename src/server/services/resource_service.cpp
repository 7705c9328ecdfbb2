#include "server/services/resource_service.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "engine/compiled_snapshot.hpp"
#include "server/services/body.hpp"
#include "server/services/model_mapping.hpp"
#include "server/services/normalize.hpp"
#include "server/services/try.hpp"

namespace aurora::server {
namespace {

using nlohmann::json;
using store::Kind;

// Read-only fields: sent back unchanged they are ignored, changed they are refused.
std::vector<const char*> ReadOnlyFields(Kind kind) {
  std::vector<const char*> fields = {"id", "uuid", "createdAt", "updatedAt"};
  if (kind == Kind::kParameter) fields.push_back("environments");
  if (kind == Kind::kExperiment) fields.push_back("environment");
  return fields;
}

bool IsActive(const std::string& status) { return status == "scheduled" || status == "running" || status == "paused"; }

// What a stored (canonical) parameter state refers to.
void AddStateReferences(const json& state, store::References& refs) {
  for (const json& rule : state.value("rules", json::array())) {
    if (rule.contains("segmentId") && rule["segmentId"].is_number_integer()) {
      refs.segments.push_back(rule["segmentId"].get<std::int64_t>());
    }
    for (const json& c : rule.value("conditions", json::array())) {
      if (c.contains("attributeId") && c["attributeId"].is_number_integer()) {
        refs.attributes.push_back(c["attributeId"].get<std::int64_t>());
      }
    }
    if (rule.contains("rollout") && rule["rollout"].is_object()) {
      const json& ro = rule["rollout"];
      if (ro.contains("hashAttributeId") && ro["hashAttributeId"].is_number_integer()) {
        refs.attributes.push_back(ro["hashAttributeId"].get<std::int64_t>());
      }
    }
  }
}

const store::Environment* FindById(const std::vector<store::Environment>& all, std::int64_t id) {
  const auto it = std::find_if(all.begin(), all.end(), [&](const auto& e) { return e.id == id; });
  return it == all.end() ? nullptr : &*it;
}

const store::Environment* FindByName(const std::vector<store::Environment>& all, std::string_view name) {
  const auto it = std::find_if(all.begin(), all.end(), [&](const auto& e) { return e.name == name; });
  return it == all.end() ? nullptr : &*it;
}

Error NotFound(Kind kind, std::int64_t id) {
  return Error{ErrorCode::kNotFound, std::string(store::KindName(kind)) + " " + std::to_string(id) + " not found"};
}

std::string DescribeReferrers(const std::vector<store::Referrer>& referrers) {
  std::string out;
  for (std::size_t i = 0; i < referrers.size() && i < 20; ++i) {
    if (i) out += ", ";
    out += std::string(store::KindName(referrers[i].kind)) + " \"" + referrers[i].name + "\" (id " +
           std::to_string(referrers[i].id) + ")";
  }
  if (referrers.size() > 20) out += " and " + std::to_string(referrers.size() - 20) + " more";
  return out;
}

// Two experiments of one environment that set the same parameter may not both be active with
// intersecting windows.
Result<void> CheckOverlaps(store::Transaction& tx, const store::Resource& e) {
  if (!IsActive(e.status)) return {};
  AURORA_TRY(all, store::AllResources(tx, Kind::kExperiment, e.environment_id));
  auto params_of = [](const store::Resource& r) {
    std::set<std::string> names;
    for (const json& v : r.body.value("variants", json::array())) {
      for (const json& p : v.value("parameters", json::array())) names.insert(p.value("parameterName", ""));
    }
    return names;
  };
  const auto mine = params_of(e);
  for (const store::Resource& other : all) {
    if (other.id == e.id || !IsActive(other.status)) continue;
    // Half-open windows [start, end); a missing bound is open.
    const bool intersects = (!e.start_date || !other.end_date || *e.start_date < *other.end_date) &&
                            (!other.start_date || !e.end_date || *other.start_date < *e.end_date);
    if (!intersects) continue;
    for (const std::string& p : params_of(other)) {
      if (mine.count(p)) {
        return Error{ErrorCode::kConflict, "experiment \"" + e.name + "\" (id " + std::to_string(e.id) +
                                               ") and experiment \"" + other.name + "\" (id " +
                                               std::to_string(other.id) + ") both set parameter \"" + p +
                                               "\" in overlapping windows"};
      }
    }
  }
  return {};
}

// Read-only fields sent back must be unchanged; then they are dropped.
Result<json> StripReadOnly(Kind kind, const json& body, const nlohmann::ordered_json& current, bool creating) {
  json out = body;
  for (const char* key : ReadOnlyFields(kind)) {
    const auto it = out.find(key);
    if (it == out.end()) continue;
    if (creating) return Invalid(key, "is read-only");
    if (!current.contains(key) || json(current[key]) != *it) return Invalid(key, "is read-only and cannot be changed");
    out.erase(key);
  }
  return out;
}

}  // namespace

Result<void> SetParameterReferences(store::Transaction& tx, std::int64_t parameter_id) {
  AURORA_TRY(states, store::ParameterStatesInRange(tx, parameter_id, parameter_id));
  store::References refs;
  for (const auto& [env, state] : states[parameter_id]) AddStateReferences(state, refs);
  return store::SetReferences(tx, Kind::kParameter, parameter_id, refs);
}

nlohmann::ordered_json Page::ToJson() const {
  nlohmann::ordered_json out;
  out["items"] = items;
  out["nextCursor"] = next_cursor ? nlohmann::ordered_json(*next_cursor) : nlohmann::ordered_json(nullptr);
  return out;
}

Result<std::int64_t> ParseCursor(const std::string& cursor) {
  if (cursor.empty()) return std::int64_t{0};
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), v);
  if (ec != std::errc() || p != cursor.data() + cursor.size() || v < 0) return Invalid("cursor", "is not a valid cursor");
  return v;
}

const store::Environment* WriteContext::Find(std::string_view name) const { return FindByName(environments, name); }

std::int64_t WriteContext::Touch(std::int64_t environment_id) {
  touched.insert(environment_id);
  const store::Environment* e = FindById(environments, environment_id);
  return e ? e->revision + 1 : 0;
}

void WriteContext::TouchAll() {
  for (const auto& e : environments) touched.insert(e.id);
}

Result<std::string> CheckEnvironmentName(const std::string& name, const std::string& field) {
  bool ok = !name.empty() && name.size() <= 32 && name[0] >= 'a' && name[0] <= 'z';
  for (char c : name) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  if (!ok) return Invalid(field, "must match ^[a-z][a-z0-9-]{0,31}$ (lower-case letters, digits and '-')");
  return name;
}

Error UnknownEnvironment(std::string_view name, std::string field) {
  if (name.size() <= 32 && CheckEnvironmentName(std::string(name), field)) {
    return Error{ErrorCode::kNotFound, "environment \"" + std::string(name) + "\" not found", std::move(field)};
  }
  return Error{ErrorCode::kNotFound,
               "environment not found: the name is not a valid environment name (^[a-z][a-z0-9-]{0,31}$)",
               std::move(field)};
}

void ResourceService::OnCommit(Listener listener) {
  std::lock_guard lock(listeners_mutex_);
  listeners_.push_back(std::move(listener));
}

void ResourceService::OnWrite(WriteHook hook) { write_hooks_.push_back(std::move(hook)); }

void ResourceService::Notify(const std::vector<store::EnvironmentRevision>& changed) {
  std::vector<Listener> copy;
  {
    std::lock_guard lock(listeners_mutex_);
    copy = listeners_;
  }
  for (auto& l : copy) l(changed);
}

Result<std::int64_t> ResourceService::ResolveId(store::Kind kind, std::string_view text) {
  const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
  if (digits) {
    std::int64_t id = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || p != text.data() + text.size() || id <= 0) {
      return Invalid("id", "must be a positive integer id (or a name)");
    }
    return id;
  }
  const std::string name(text);
  const bool identifier = kind == Kind::kAttribute || kind == Kind::kParameter;
  if (identifier) {
    if (!CheckIdentifier(name, "id")) {
      return Invalid("id", "must be a positive integer id or a name (a letter, then letters, digits, '_', '.' or '-')");
    }
  } else {
    const auto label = CheckLabel(name, "id");
    if (!label || *label != name) return Invalid("id", "must be a positive integer id, a name or a uuid");
  }
  AURORA_TRY(tx, db_.Begin(false));
  AURORA_TRY(found, store::GetResourceByName(*tx, kind, name));
  if (!found && kind == Kind::kExperiment) {
    AURORA_TRY(by_uuid, store::GetExperimentByUuid(*tx, name));
    found = std::move(by_uuid);
  }
  if (!found) {
    // Identifiers are safe to echo; labels are free text and are not.
    return Error{ErrorCode::kNotFound, std::string(store::KindName(kind)) +
                                           (identifier ? " \"" + name + "\"" : " with this name") + " not found"};
  }
  return found->id;
}

Result<store::Environment> ResourceService::FindEnvironment(const std::string& name) {
  const std::string& wanted = name.empty() ? default_environment_ : name;
  AURORA_TRY(tx, db_.Begin(false));
  AURORA_TRY(e, store::GetEnvironment(*tx, wanted));
  if (!e) return UnknownEnvironment(wanted);
  return std::move(*e);
}

namespace {
Result<const store::Environment*> InContext(const WriteContext& ctx, const std::string& name, const std::string& fallback) {
  const std::string& wanted = name.empty() ? fallback : name;
  const store::Environment* e = ctx.Find(wanted);
  if (e == nullptr) return UnknownEnvironment(wanted);
  return e;
}
}  // namespace

Result<void> AppendRecord(WriteContext& ctx, const std::string& actor, const std::string& action, Kind kind,
                          std::int64_t id, std::int64_t revision, std::optional<std::string> environment,
                          std::optional<json> before, std::optional<json> after) {
  store::AuditRecord a;
  a.at = ctx.now;
  a.actor = actor;
  a.action = action;
  a.kind = kind;
  a.resource_id = id;
  a.revision = revision;
  a.environment = std::move(environment);
  a.before = std::move(before);
  a.after = std::move(after);
  return store::AppendAudit(ctx.tx, a);
}

Result<std::int64_t> VersionOf(const json& body, std::optional<std::int64_t> if_match) {
  std::optional<std::int64_t> version = if_match;
  if (const auto it = body.find("version"); it != body.end()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 1) return Invalid("version", "must be a positive integer");
    if (version && *version != it->get<std::int64_t>()) return Invalid("version", "differs from the If-Match header");
    version = it->get<std::int64_t>();
  }
  if (!version) return Invalid("version", "is required (in the body or as If-Match) for optimistic concurrency");
  return *version;
}

Result<std::int64_t> ResourceService::RecordChange(WriteContext& ctx, const std::string& actor,
                                                   const std::string& action, Kind kind, std::int64_t id,
                                                   const store::Environment* environment, std::optional<json> before,
                                                   std::optional<json> after) {
  std::int64_t revision = 0;
  if (environment != nullptr) {
    revision = ctx.Touch(environment->id);
  } else {
    // A global resource: every environment's snapshot changes; the record carries the default
    // environment's new revision.
    ctx.TouchAll();
    const store::Environment* d = ctx.Find(default_environment_);
    revision = d ? d->revision + 1 : 0;
  }
  AURORA_CHECK(AppendRecord(ctx, actor, action, kind, id, revision,
                            environment ? std::optional(environment->name) : std::nullopt, std::move(before),
                            std::move(after)));
  return revision;
}

Result<void> ResourceService::ValidateConfig(WriteContext& ctx, Kind kind, std::int64_t id,
                                             const store::Environment* environment, const std::string& written_in) {
  for (const store::Environment& e : ctx.environments) {
    if (environment != nullptr && e.id != environment->id) continue;
    AURORA_TRY(config, LoadStoredConfig(ctx.tx, e));
    auto compiled = engine::CompileSnapshot(ToSnapshot(config, true));
    if (!compiled) {
      Error error = MapSnapshotError(compiled.error(), config, kind, id);
      if (ctx.environments.size() > 1 && e.name != written_in) {
        error.message = "in environment \"" + e.name + "\": " + error.message;
      }
      return error;
    }
  }
  return {};
}

Result<nlohmann::ordered_json> ResourceService::LoadParameterJson(store::Transaction& tx,
                                                                  const store::Resource& definition,
                                                                  const store::Environment& environment,
                                                                  const std::vector<store::Environment>& all) {
  AURORA_TRY(states, store::ParameterStatesInRange(tx, definition.id, definition.id));
  return ParameterJson(definition, environment, all, states[definition.id]);
}

nlohmann::ordered_json ResourceService::ExperimentJson(const store::Resource& e,
                                                      const std::vector<store::Environment>& all) {
  nlohmann::ordered_json out = ResourceJson(e);
  const store::Environment* env = FindById(all, e.environment_id);
  out["environment"] = env ? env->name : std::string();
  return out;
}

Result<nlohmann::ordered_json> ResourceService::Create(Kind kind, const json& body, const std::string& actor,
                                                       const std::string& environment) {
  if (!body.is_object()) return Invalid("", "the body must be a JSON object");
  json input = body;
  std::string env_name = environment;
  if (kind == Kind::kExperiment && input.contains("environment")) {
    // An experiment's environment is chosen at creation, in the body or with ?environment=.
    if (!input["environment"].is_string()) return Invalid("environment", "must be the name of an environment");
    const std::string named = input["environment"].get<std::string>();
    if (!environment.empty() && named != environment) {
      return Invalid("environment", "differs from the ?environment= of the request");
    }
    env_name = named;
    input.erase("environment");
  }
  AURORA_TRY(stripped, StripReadOnly(kind, input, {}, true));
  input = std::move(stripped);
  if (input.contains("version")) return Invalid("version", "is read-only");
  bool start_after = false;
  if (kind == Kind::kExperiment && input.contains("status")) {
    if (input["status"] == "running") {
      start_after = true;
    } else if (input["status"] != "draft") {
      return Invalid("status", "a new experiment is draft, or \"running\" to create and start it");
    }
    input.erase("status");
  }
  return Write([&](WriteContext& ctx) -> Result<nlohmann::ordered_json> {
    store::Transaction& tx = ctx.tx;
    AURORA_TRY(env, InContext(ctx, env_name, default_environment_));
    AURORA_TRY(n, Normalize(kind, input, nullptr, tx));
    AURORA_TRY(existing, store::GetResourceByName(tx, kind, n.resource.name));
    if (existing) {
      return Error{ErrorCode::kConflict,
                   std::string("a ") + store::KindName(kind) + " named \"" + n.resource.name + "\" already exists (id " +
                       std::to_string(existing->id) + ")",
                   "name"};
    }
    store::Resource& r = n.resource;
    r.version = 1;
    r.created_at = ctx.now;
    r.updated_at = ctx.now;
    if (kind == Kind::kParameter) {
      // The definition is global; the environment asked for gets the whole state, every other
      // one the same default value and kill switch without rules.
      auto [definition, state] = SplitParameter(r.body);
      r.body = definition;
      AURORA_CHECK(store::InsertResource(tx, kind, r));
      for (const store::Environment& e : ctx.environments) {
        json s = state;
        if (e.id != env->id) s["rules"] = json::array();
        AURORA_CHECK(store::PutParameterState(tx, r.id, e.id, s));
      }
      AURORA_CHECK(SetParameterReferences(tx, r.id));
      AURORA_CHECK(ValidateConfig(ctx, kind, r.id, nullptr, env->name));
      AURORA_TRY(out, LoadParameterJson(tx, r, *env, ctx.environments));
      AURORA_CHECK(RecordChange(ctx, actor, "create", kind, r.id, nullptr, std::nullopt, json(out)));
      return out;
    }
    if (kind == Kind::kExperiment) r.environment_id = env->id;
    AURORA_CHECK(store::InsertResource(tx, kind, r));
    AURORA_CHECK(store::SetReferences(tx, kind, r.id, n.references));
    const bool scoped = kind == Kind::kExperiment;
    AURORA_CHECK(ValidateConfig(ctx, kind, r.id, scoped ? env : nullptr, env->name));
    // Create-and-start is one write: one revision, one audit record of the started experiment.
    if (start_after) AURORA_CHECK(Transition(ctx, r, "start", "start", actor, /*record=*/false));
    nlohmann::ordered_json out = scoped ? ExperimentJson(r, ctx.environments) : ResourceJson(r);
    AURORA_CHECK(RecordChange(ctx, actor, "create", kind, r.id, scoped ? env : nullptr, std::nullopt, json(out)));
    return out;
  });
}

Result<nlohmann::ordered_json> ResourceService::Get(Kind kind, std::int64_t id, const std::string& environment) {
  AURORA_TRY(tx, db_.Begin(false));
  AURORA_TRY(all, store::AllEnvironments(*tx));
  const std::string& wanted = environment.empty() ? default_environment_ : environment;
  const store::Environment* env = FindByName(all, wanted);
  if (env == nullptr) return UnknownEnvironment(wanted);
  AURORA_TRY(r, store::GetResource(*tx, kind, id));
  if (!r) return NotFound(kind, id);
  if (kind == Kind::kParameter) return LoadParameterJson(*tx, *r, *env, all);
  if (kind == Kind::kExperiment) return ExperimentJson(*r, all);
  return ResourceJson(*r);
}

Result<Page> ResourceService::List(Kind kind, const std::string& cursor, int limit, const std::string& environment) {
  if (limit < 1 || limit > 1000) return Invalid("limit", "must be between 1 and 1000");
  AURORA_TRY(after, ParseCursor(cursor));
  AURORA_TRY(tx, db_.Begin(false));
  AURORA_TRY(all, store::AllEnvironments(*tx));
  const std::string& wanted = environment.empty() ? default_environment_ : environment;
  const store::Environment* env = FindByName(all, wanted);
  if (env == nullptr) return UnknownEnvironment(wanted);
  const std::optional<std::int64_t> only = kind == Kind::kExperiment ? std::optional(env->id) : std::nullopt;
  AURORA_TRY(rows, store::ListResources(*tx, kind, after, limit + 1, only));
  const std::size_t shown = std::min(rows.size(), static_cast<std::size_t>(limit));
  std::map<std::int64_t, std::map<std::int64_t, json>> states;
  if (kind == Kind::kParameter && shown > 0) {
    AURORA_TRY(range, store::ParameterStatesInRange(*tx, rows.front().id, rows[shown - 1].id));
    states = std::move(range);
  }
  Page page;
  for (std::size_t i = 0; i < shown; ++i) {
    const store::Resource& r = rows[i];
    if (kind == Kind::kParameter) {
      page.items.push_back(ParameterJson(r, *env, all, states[r.id]));
    } else if (kind == Kind::kExperiment) {
      page.items.push_back(ExperimentJson(r, all));
    } else {
      page.items.push_back(ResourceJson(r));
    }
  }
  if (rows.size() > static_cast<std::size_t>(limit)) page.next_cursor = std::to_string(rows[limit - 1].id);
  return page;
}

Result<nlohmann::ordered_json> ResourceService::Update(Kind kind, std::int64_t id, const json& body,
                                                       std::optional<std::int64_t> if_match, bool patch,
                                                       const std::string& actor, const std::string& environment) {
  if (!body.is_object()) return Invalid("", "the body must be a JSON object");
  AURORA_TRY(version, VersionOf(body, if_match));
  return Write([&](WriteContext& ctx) -> Result<nlohmann::ordered_json> {
    store::Transaction& tx = ctx.tx;
    AURORA_TRY(env, InContext(ctx, environment, default_environment_));
    AURORA_TRY(existing, store::GetResource(tx, kind, id));
    if (!existing) return NotFound(kind, id);
    if (existing->version != version) {
      return Error{ErrorCode::kConflict, std::string(store::KindName(kind)) + " " + std::to_string(id) +
                                             " is at version " + std::to_string(existing->version) + ", not " +
                                             std::to_string(version) + ": reload and retry",
                   "version"};
    }
    nlohmann::ordered_json before;
    if (kind == Kind::kParameter) {
      AURORA_TRY(p, LoadParameterJson(tx, *existing, *env, ctx.environments));
      before = std::move(p);
    } else if (kind == Kind::kExperiment) {
      before = ExperimentJson(*existing, ctx.environments);
    } else {
      before = ResourceJson(*existing);
    }
    json input = body;
    input.erase("version");
    if (patch) {
      // A patch may not touch read-only fields, not even to remove them (null).
      for (const char* key : ReadOnlyFields(kind)) {
        if (input.contains(key) && (!before.contains(key) || json(before[key]) != input[key])) {
          return Invalid(key, "is read-only and cannot be changed");
        }
      }
      // RFC 7396 replaces arrays whole. A variant sent without its parameters would lose them
      // without a word (a running experiment would then serve defaults): say so instead.
      if (kind == Kind::kExperiment && input.contains("variants") && input["variants"].is_array()) {
        for (std::size_t i = 0; i < input["variants"].size(); ++i) {
          const json& v = input["variants"][i];
          if (v.is_object() && !v.contains("parameters")) {
            return Invalid("variants[" + std::to_string(i) + "].parameters",
                           "is required in a PATCH of variants: the array is replaced whole (RFC 7396), so a variant "
                           "sent without its parameters would lose them; send each variant complete (use [] for none)");
          }
        }
      }
      json merged = json(before);
      merged.erase("version");
      merged.merge_patch(input);
      input = std::move(merged);
    }
    AURORA_TRY(stripped, StripReadOnly(kind, input, before, false));
    if (kind == Kind::kExperiment) {
      if (stripped.contains("status") && stripped["status"] != existing->status) {
        return Invalid("status", "is read-only: use the start, pause, complete and abort actions");
      }
      stripped.erase("status");
    }
    store::Resource stored = *existing;
    if (kind == Kind::kParameter) {
      // Normalize sees the parameter as this environment has it.
      const auto [unused, state] = SplitParameter(json(before));
      stored = ParameterInEnvironment(stored, state);
    }
    AURORA_TRY(n, Normalize(kind, stripped, &stored, tx));
    if (n.resource.name != existing->name) {
      AURORA_TRY(clash, store::GetResourceByName(tx, kind, n.resource.name));
      if (clash) {
        return Error{ErrorCode::kConflict, std::string("a ") + store::KindName(kind) + " named \"" + n.resource.name +
                                               "\" already exists (id " + std::to_string(clash->id) + ")",
                     "name"};
      }
    }
    if (kind == Kind::kAttribute && n.resource.data_type != existing->data_type) {
      AURORA_TRY(users, store::Referrers(tx, kind, id));
      if (!users.empty()) {
        return Error{ErrorCode::kConflict, "the dataType of an attribute in use cannot change; it is used by " +
                                               DescribeReferrers(users),
                     "dataType"};
      }
    }
    store::Resource& r = n.resource;
    r.id = id;
    r.version = existing->version + 1;
    r.created_at = existing->created_at;
    r.updated_at = ctx.now;
    r.environment_id = existing->environment_id;
    if (kind == Kind::kParameter) {
      auto [definition, state] = SplitParameter(r.body);
      // Only the state changed: only this environment's snapshot does.
      const bool global = definition != existing->body;
      r.body = definition;
      AURORA_TRY(written, store::UpdateResource(tx, kind, r, existing->version));
      if (!written) return Error{ErrorCode::kConflict, "concurrent update: reload and retry", "version"};
      AURORA_CHECK(store::PutParameterState(tx, id, env->id, state));
      AURORA_CHECK(SetParameterReferences(tx, id));
      AURORA_CHECK(ValidateConfig(ctx, kind, id, global ? nullptr : env, env->name));
      AURORA_TRY(after, LoadParameterJson(tx, r, *env, ctx.environments));
      // Audited in the environment whose state was written; a change of the definition touches
      // every environment's revision as well.
      if (global) ctx.TouchAll();
      AURORA_CHECK(RecordChange(ctx, actor, "update", kind, id, env, json(before), json(after)));
      return after;
    }
    AURORA_TRY(written, store::UpdateResource(tx, kind, r, existing->version));
    if (!written) return Error{ErrorCode::kConflict, "concurrent update: reload and retry", "version"};
    AURORA_CHECK(store::SetReferences(tx, kind, id, n.references));
    const store::Environment* scope = kind == Kind::kExperiment ? FindById(ctx.environments, r.environment_id) : nullptr;
    AURORA_CHECK(ValidateConfig(ctx, kind, id, scope, scope ? scope->name : env->name));
    if (kind == Kind::kExperiment) AURORA_CHECK(CheckOverlaps(tx, r));
    nlohmann::ordered_json after = kind == Kind::kExperiment ? ExperimentJson(r, ctx.environments) : ResourceJson(r);
    AURORA_CHECK(RecordChange(ctx, actor, "update", kind, id, scope, json(before), json(after)));
    return after;
  });
}

Result<void> ResourceService::Delete(Kind kind, std::int64_t id, const std::string& actor) {
  return Write([&](WriteContext& ctx) -> Result<void> {
    store::Transaction& tx = ctx.tx;
    AURORA_TRY(existing, store::GetResource(tx, kind, id));
    if (!existing) return NotFound(kind, id);
    AURORA_TRY(users, store::Referrers(tx, kind, id));
    if (!users.empty()) {
      return Error{ErrorCode::kConflict, std::string(store::KindName(kind)) + " \"" + existing->name +
                                             "\" is still used by " + DescribeReferrers(users)};
    }
    nlohmann::ordered_json before;
    const store::Environment* scope = nullptr;
    if (kind == Kind::kParameter) {
      const store::Environment* d = ctx.Find(default_environment_);
      if (d == nullptr && !ctx.environments.empty()) d = &ctx.environments.front();
      if (d != nullptr) {
        AURORA_TRY(p, LoadParameterJson(tx, *existing, *d, ctx.environments));
        before = std::move(p);
      } else {
        before = ResourceJson(*existing);
      }
    } else if (kind == Kind::kExperiment) {
      before = ExperimentJson(*existing, ctx.environments);
      scope = FindById(ctx.environments, existing->environment_id);
    } else {
      before = ResourceJson(*existing);
    }
    AURORA_CHECK(store::ClearReferences(tx, kind, id));
    AURORA_CHECK(store::DeleteResource(tx, kind, id));
    AURORA_CHECK(RecordChange(ctx, actor, "delete", kind, id, scope, json(before), std::nullopt));
    return {};
  });
}

Result<void> ResourceService::Transition(WriteContext& ctx, store::Resource& e, const std::string& action,
                                         const std::string& audit_action, const std::string& actor, bool record) {
  const std::int64_t now = ctx.now;
  const std::string from = e.status;
  std::string to;
  if (action == "start") {
    if (from != "draft" && from != "paused") {
      return Error{ErrorCode::kConflict, "cannot start an experiment that is " + from};
    }
    if (e.body.value("variants", json::array()).size() < 2) {
      return Error{ErrorCode::kConflict, "an experiment needs at least 2 variants to start"};
    }
    if (e.end_date && *e.end_date <= now) return Error{ErrorCode::kConflict, "the experiment's endDate has passed"};
    to = e.start_date && *e.start_date > now ? "scheduled" : "running";
  } else if (action == "pause") {
    if (from != "running") return Error{ErrorCode::kConflict, "only a running experiment can be paused, not a " + from + " one"};
    to = "paused";
  } else if (action == "complete") {
    if (from != "running" && from != "paused" && from != "scheduled") {
      return Error{ErrorCode::kConflict, "cannot complete an experiment that is " + from};
    }
    to = "completed";
  } else if (action == "abort") {
    if (from == "completed" || from == "aborted") return Error{ErrorCode::kConflict, "cannot abort an experiment that is " + from};
    to = "aborted";
  } else if (action == "schedule-start") {  // the scheduler: scheduled -> running at startDate
    to = "running";
  } else {
    return Error{ErrorCode::kNotFound, "unknown experiment action \"" + action + "\""};
  }
  const json before = json(ExperimentJson(e, ctx.environments));
  const std::int64_t old_version = e.version;
  e.status = to;
  e.body["status"] = to;
  e.version += 1;
  e.updated_at = now;
  AURORA_TRY(written, store::UpdateResource(ctx.tx, Kind::kExperiment, e, old_version));
  if (!written) return Error{ErrorCode::kConflict, "concurrent update: reload and retry"};
  AURORA_CHECK(CheckOverlaps(ctx.tx, e));
  const store::Environment* scope = FindById(ctx.environments, e.environment_id);
  if (record) {
    AURORA_CHECK(RecordChange(ctx, actor, audit_action, Kind::kExperiment, e.id, scope, before,
                              json(ExperimentJson(e, ctx.environments))));
  } else if (scope != nullptr) {
    ctx.Touch(scope->id);
  }
  return {};
}

Result<nlohmann::ordered_json> ResourceService::Act(std::int64_t id, const std::string& action, const std::string& actor) {
  if (action != "start" && action != "pause" && action != "complete" && action != "abort") {
    return Error{ErrorCode::kNotFound, "unknown experiment action \"" + action + "\""};
  }
  return Write([&](WriteContext& ctx) -> Result<nlohmann::ordered_json> {
    AURORA_TRY(e, store::GetResource(ctx.tx, Kind::kExperiment, id));
    if (!e) return NotFound(Kind::kExperiment, id);
    AURORA_CHECK(Transition(ctx, *e, action, action, actor));
    return ExperimentJson(*e, ctx.environments);
  });
}

Result<int> ResourceService::AdvanceSchedules(const std::string& actor) {
  return Write([&](WriteContext& ctx) -> Result<int> {
    AURORA_TRY(all, store::AllResources(ctx.tx, Kind::kExperiment));
    int moved = 0;
    for (store::Resource& e : all) {
      if ((e.status == "running" || e.status == "paused" || e.status == "scheduled") && e.end_date &&
          *e.end_date <= ctx.now) {
        AURORA_CHECK(Transition(ctx, e, "complete", "schedule-complete", actor));
        ++moved;
      } else if (e.status == "scheduled" && (!e.start_date || *e.start_date <= ctx.now)) {
        AURORA_CHECK(Transition(ctx, e, "schedule-start", "schedule-start", actor));
        ++moved;
      }
    }
    return moved;
  });
}

Result<Page> ResourceService::Audit(const AuditFilter& filter, const std::string& cursor, int limit) {
  if (limit < 1 || limit > 1000) return Invalid("limit", "must be between 1 and 1000");
  AURORA_TRY(after, ParseCursor(cursor));
  AURORA_TRY(tx, db_.Begin(false));
  AURORA_TRY(rows, store::ListAudit(*tx, filter, after, limit + 1));
  Page page;
  for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(limit); ++i) {
    const auto& a = rows[i];
    nlohmann::ordered_json j;
    j["id"] = a.id;
    j["at"] = engine::FormatRfc3339(FromMicros(a.at));
    j["actor"] = a.actor;
    j["action"] = a.action;
    j["resource"] = store::KindName(a.kind);
    j["resourceId"] = a.resource_id;
    j["environment"] = a.environment ? nlohmann::ordered_json(*a.environment) : nlohmann::ordered_json(nullptr);
    j["revision"] = a.revision;
    j["before"] = a.before ? nlohmann::ordered_json(*a.before) : nlohmann::ordered_json(nullptr);
    j["after"] = a.after ? nlohmann::ordered_json(*a.after) : nlohmann::ordered_json(nullptr);
    page.items.push_back(std::move(j));
  }
  if (rows.size() > static_cast<std::size_t>(limit)) page.next_cursor = std::to_string(rows[limit - 1].id);
  return page;
}

}  // namespace aurora::server
