// ResourceService's environment operations (SPEC §10, docs/environments.md): CRUD, diff and
// promote. Kept apart from the resource kinds for size; same transaction discipline.

#include <algorithm>
#include <map>

#include "server/services/body.hpp"
#include "server/services/model_mapping.hpp"
#include "server/services/resource_service.hpp"
#include "store/keys.hpp"

namespace aurora::server {
namespace {

using nlohmann::json;
using store::Kind;

constexpr const char* kEnvironmentReadOnly[] = {"id", "name", "default", "revision", "createdAt", "updatedAt"};

nlohmann::ordered_json EnvironmentJson(const store::Environment& e, const std::string& default_name) {
  nlohmann::ordered_json out;
  out["id"] = e.id;
  out["name"] = e.name;
  out["description"] = e.description;
  out["protected"] = e.is_protected;
  out["position"] = e.position;
  out["default"] = e.name == default_name;
  out["revision"] = e.revision;
  out["version"] = e.version;
  out["createdAt"] = engine::FormatRfc3339(FromMicros(e.created_at));
  out["updatedAt"] = engine::FormatRfc3339(FromMicros(e.updated_at));
  return out;
}

Error EnvironmentNotFound(const std::string& name, const std::string& field = "environment") {
  return UnknownEnvironment(name, field);
}

json StateOf(const std::map<std::int64_t, json>& states, std::int64_t parameter_id) {
  const auto it = states.find(parameter_id);
  return json(ParameterStateJson(it == states.end() ? json::object() : it->second));
}

// The description and position fields of an environment body (create and update).
Result<void> ReadEditable(const BodyReader& r, store::Environment& e) {
  if (r.Has("description")) {
    AURORA_TRY(description, r.String("description", kMaxTextLength, false));
    e.description = description;
  }
  AURORA_TRY(is_protected, r.Bool("protected"));
  if (is_protected) e.is_protected = *is_protected;
  if (r.HasValue("position")) {
    const json& p = *r.Find("position");
    if (!p.is_number_integer() || p.get<std::int64_t>() < 0 || p.get<std::int64_t>() > 1'000'000) {
      return Invalid("position", "must be an integer between 0 and 1000000");
    }
    e.position = p.get<std::int64_t>();
  }
  return {};
}

}  // namespace

Result<Page> ResourceService::ListEnvironments() {
  AURORA_TRY(tx, db_.Begin(false));
  AURORA_TRY(all, store::AllEnvironments(*tx));
  Page page;
  for (const auto& e : all) page.items.push_back(EnvironmentJson(e, default_environment_));
  return page;
}

Result<nlohmann::ordered_json> ResourceService::GetEnvironment(const std::string& name) {
  AURORA_TRY(tx, db_.Begin(false));
  AURORA_TRY(e, store::GetEnvironment(*tx, name));
  if (!e) return EnvironmentNotFound(name, "name");
  return EnvironmentJson(*e, default_environment_);
}

Result<nlohmann::ordered_json> ResourceService::CreateEnvironment(const json& body, const std::string& actor) {
  if (!body.is_object()) return Invalid("", "the body must be a JSON object");
  const BodyReader r(body, "");
  AURORA_CHECK(r.Expect({"name", "description", "protected", "position", "copyFrom"}));
  AURORA_TRY(raw_name, r.String("name", 64, true));
  AURORA_TRY(name, CheckEnvironmentName(raw_name, "name"));
  AURORA_TRY(copy_from, r.String("copyFrom", 64, false));
  return Write([&](WriteContext& ctx) -> Result<nlohmann::ordered_json> {
    if (ctx.Find(name) != nullptr) {
      return Error{ErrorCode::kConflict, "an environment named \"" + name + "\" already exists", "name"};
    }
    const std::string& source_name = copy_from.empty() ? default_environment_ : copy_from;
    const store::Environment* source = ctx.Find(source_name);
    if (source == nullptr) return Invalid("copyFrom", "unknown environment \"" + source_name + "\"");
    const std::int64_t source_id = source->id;
    store::Environment e;
    e.name = name;
    e.position = 0;
    for (const auto& other : ctx.environments) e.position = std::max(e.position, other.position + 1);
    AURORA_CHECK(ReadEditable(r, e));
    e.created_at = ctx.now;
    e.updated_at = ctx.now;
    AURORA_CHECK(store::InsertEnvironment(ctx.tx, e));
    AURORA_CHECK(store::CopyEnvironmentStates(ctx.tx, source_id, e.id));
    ctx.environments.push_back(e);
    ctx.environments_changed = true;
    const store::Environment& added = ctx.environments.back();
    AURORA_CHECK(ValidateConfig(ctx, Kind::kEnvironment, e.id, &added, name));
    store::Environment shown = added;
    shown.revision = added.revision + 1;
    shown.revision_at = ctx.now;
    const nlohmann::ordered_json out = EnvironmentJson(shown, default_environment_);
    AURORA_CHECK(RecordChange(ctx, actor, "create", Kind::kEnvironment, e.id, &added, std::nullopt, json(out)));
    return out;
  });
}

Result<nlohmann::ordered_json> ResourceService::UpdateEnvironment(const std::string& name, const json& body,
                                                                  std::optional<std::int64_t> if_match, bool patch,
                                                                  const std::string& actor) {
  if (!body.is_object()) return Invalid("", "the body must be a JSON object");
  AURORA_TRY(version, VersionOf(body, if_match));
  return Write([&](WriteContext& ctx) -> Result<nlohmann::ordered_json> {
    const store::Environment* found = ctx.Find(name);
    if (found == nullptr) return EnvironmentNotFound(name, "name");
    store::Environment e = *found;
    if (e.version != version) {
      return Error{ErrorCode::kConflict, "environment \"" + name + "\" is at version " + std::to_string(e.version) +
                                             ", not " + std::to_string(version) + ": reload and retry",
                   "version"};
    }
    const nlohmann::ordered_json before = EnvironmentJson(e, default_environment_);
    json input = body;
    input.erase("version");
    for (const char* key : kEnvironmentReadOnly) {
      if (input.contains(key)) {
        if (json(before[key]) != input[key]) return Invalid(key, "is read-only and cannot be changed");
        input.erase(key);
      }
    }
    const BodyReader r(input, "");
    AURORA_CHECK(r.Expect({"description", "protected", "position"}));
    if (!patch) {  // PUT replaces every mutable field: absent ones take their defaults
      e.description.clear();
      e.is_protected = false;
    }
    AURORA_CHECK(ReadEditable(r, e));
    const std::int64_t old_version = e.version;
    e.version += 1;
    e.updated_at = ctx.now;
    AURORA_TRY(written, store::UpdateEnvironment(ctx.tx, e, old_version));
    if (!written) return Error{ErrorCode::kConflict, "concurrent update: reload and retry", "version"};
    const nlohmann::ordered_json after = EnvironmentJson(e, default_environment_);
    // Nothing SDKs see changed: audited at the current revision, no new one.
    AURORA_CHECK(AppendRecord(ctx, actor, "update", Kind::kEnvironment, e.id, e.revision, e.name, json(before),
                              json(after)));
    return after;
  });
}

Result<void> ResourceService::DeleteEnvironment(const std::string& name, const std::string& actor) {
  return Write([&](WriteContext& ctx) -> Result<void> {
    const store::Environment* found = ctx.Find(name);
    if (found == nullptr) return EnvironmentNotFound(name, "name");
    const store::Environment e = *found;
    if (ctx.environments.size() == 1) {
      return Error{ErrorCode::kConflict, "environment \"" + name + "\" is the last one and cannot be deleted"};
    }
    if (name == default_environment_) {
      return Error{ErrorCode::kConflict, "environment \"" + name +
                                             "\" is the default environment (environments.default) and cannot be "
                                             "deleted; make another one the default first"};
    }
    AURORA_TRY(experiments, store::AllResources(ctx.tx, Kind::kExperiment, e.id));
    std::string active;
    for (const auto& x : experiments) {
      if (x.status != "draft" && x.status != "completed" && x.status != "aborted") {
        if (!active.empty()) active += ", ";
        active += "\"" + x.name + "\" (id " + std::to_string(x.id) + ", " + x.status + ")";
      }
    }
    if (!active.empty()) {
      return Error{ErrorCode::kConflict, "environment \"" + name + "\" has experiments that are not draft, completed "
                                             "or aborted: " + active + "; complete or abort them first"};
    }
    // Its experiments go with it; its sdk keys are revoked, so that a later environment of the
    // same name does not give them access again.
    for (const auto& x : experiments) {
      AURORA_CHECK(store::ClearReferences(ctx.tx, Kind::kExperiment, x.id));
      AURORA_CHECK(store::DeleteResource(ctx.tx, Kind::kExperiment, x.id));
    }
    AURORA_CHECK(store::RevokeEnvironmentKeys(ctx.tx, name, ctx.now));
    AURORA_CHECK(store::DeleteEnvironment(ctx.tx, e.id));
    ctx.touched.erase(e.id);
    ctx.environments_changed = true;
    ctx.environments.erase(std::remove_if(ctx.environments.begin(), ctx.environments.end(),
                                          [&](const auto& x) { return x.id == e.id; }),
                           ctx.environments.end());
    return AppendRecord(ctx, actor, "delete", Kind::kEnvironment, e.id, e.revision, e.name,
                        json(EnvironmentJson(e, default_environment_)), std::nullopt);
  });
}

Result<nlohmann::ordered_json> ResourceService::Diff(const std::string& to, const std::string& from) {
  if (from.empty()) return Invalid("from", "is required: the environment to compare with");
  AURORA_TRY(tx, db_.Begin(false));
  AURORA_TRY(to_env, store::GetEnvironment(*tx, to));
  if (!to_env) return EnvironmentNotFound(to, "name");
  AURORA_TRY(from_env, store::GetEnvironment(*tx, from));
  if (!from_env) return EnvironmentNotFound(from, "from");
  AURORA_TRY(parameters, store::AllResources(*tx, Kind::kParameter));
  AURORA_TRY(to_states, store::EnvironmentStates(*tx, to_env->id));
  AURORA_TRY(from_states, store::EnvironmentStates(*tx, from_env->id));
  nlohmann::ordered_json out;
  out["from"] = from;
  out["to"] = to;
  out["parameters"] = nlohmann::ordered_json::array();
  for (const auto& p : parameters) {
    const json a = StateOf(from_states, p.id);
    const json b = StateOf(to_states, p.id);
    nlohmann::ordered_json fields = nlohmann::ordered_json::object();
    for (const char* key : jobs::kParameterStateFields) {
      if (a[key] != b[key]) fields[key] = {{"from", a[key]}, {"to", b[key]}};
    }
    if (fields.empty()) continue;
    out["parameters"].push_back({{"id", p.id}, {"name", p.name}, {"fields", std::move(fields)}});
  }
  return out;
}

Result<nlohmann::ordered_json> ResourceService::PromotePlan(store::Transaction& tx, const store::Environment& to,
                                                            const json& body, std::vector<std::int64_t>* ids,
                                                            std::vector<json>* states) {
  const BodyReader r(body, "");
  AURORA_TRY(from, r.String("from", 64, true));
  AURORA_TRY(from_env, store::GetEnvironment(tx, from));
  if (!from_env) return Invalid("from", "unknown environment \"" + from + "\"");
  if (from_env->id == to.id) return Invalid("from", "an environment cannot be promoted from itself");
  AURORA_TRY(parameters, store::AllResources(tx, Kind::kParameter));
  std::vector<const store::Resource*> selected;
  if (r.HasValue("parameters")) {
    const json& names = *r.Find("parameters");
    if (!names.is_array()) return Invalid("parameters", "must be an array of parameter names");
    if (names.size() > 10'000) return Invalid("parameters", "at most 10000 parameters per promote");
    for (std::size_t i = 0; i < names.size(); ++i) {
      const std::string field = "parameters[" + std::to_string(i) + "]";
      if (!names[i].is_string()) return Invalid(field, "must be a parameter name");
      const auto it = std::find_if(parameters.begin(), parameters.end(),
                                   [&](const auto& p) { return p.name == names[i].get_ref<const std::string&>(); });
      if (it == parameters.end()) return Invalid(field, "unknown parameter \"" + names[i].get<std::string>() + "\"");
      if (std::find(selected.begin(), selected.end(), &*it) == selected.end()) selected.push_back(&*it);
    }
  } else {
    for (const auto& p : parameters) selected.push_back(&p);
  }
  AURORA_TRY(to_states, store::EnvironmentStates(tx, to.id));
  AURORA_TRY(from_states, store::EnvironmentStates(tx, from_env->id));
  nlohmann::ordered_json changes = nlohmann::ordered_json::array();
  for (const store::Resource* p : selected) {
    const json before = StateOf(to_states, p->id);
    const json after = StateOf(from_states, p->id);
    if (before == after) continue;
    changes.push_back({{"id", p->id}, {"name", p->name}, {"before", before}, {"after", after}});
    if (ids) ids->push_back(p->id);
    if (states) states->push_back(after);
  }
  nlohmann::ordered_json out;
  out["from"] = from;
  out["to"] = to.name;
  out["changes"] = std::move(changes);
  return out;
}

Result<nlohmann::ordered_json> ResourceService::Promote(const std::string& to, const json& body, const std::string& actor) {
  if (!body.is_object()) return Invalid("", "the body must be a JSON object");
  const BodyReader r(body, "");
  AURORA_CHECK(r.Expect({"from", "parameters", "dryRun"}));
  AURORA_TRY(dry_run, r.Bool("dryRun"));
  if (dry_run.value_or(false)) {
    // Exactly what a promote would write, from the same plan, in a read transaction.
    AURORA_TRY(tx, db_.Begin(false));
    AURORA_TRY(to_env, store::GetEnvironment(*tx, to));
    if (!to_env) return EnvironmentNotFound(to, "name");
    AURORA_TRY(plan, PromotePlan(*tx, *to_env, body, nullptr, nullptr));
    plan["dryRun"] = true;
    plan["revision"] = nullptr;
    return plan;
  }
  return Write([&](WriteContext& ctx) -> Result<nlohmann::ordered_json> {
    const store::Environment* to_env = ctx.Find(to);
    if (to_env == nullptr) return EnvironmentNotFound(to, "name");
    std::vector<std::int64_t> ids;
    std::vector<json> states;
    AURORA_TRY(plan, PromotePlan(ctx.tx, *to_env, body, &ids, &states));
    plan["dryRun"] = false;
    if (ids.empty()) {
      plan["revision"] = to_env->revision;  // nothing differed: nothing written
      return plan;
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
      AURORA_TRY(definition, store::GetResource(ctx.tx, Kind::kParameter, ids[i]));
      if (!definition) return Error{ErrorCode::kInternal, "parameter " + std::to_string(ids[i]) + " vanished"};
      AURORA_TRY(before, LoadParameterJson(ctx.tx, *definition, *to_env, ctx.environments));
      store::Resource updated = *definition;
      updated.version = definition->version + 1;  // a parameter's version counts every environment's changes
      updated.updated_at = ctx.now;
      AURORA_TRY(written, store::UpdateResource(ctx.tx, Kind::kParameter, updated, definition->version));
      if (!written) return Error{ErrorCode::kConflict, "concurrent update: retry the promote"};
      AURORA_CHECK(store::PutParameterState(ctx.tx, ids[i], to_env->id, states[i]));
      AURORA_CHECK(SetParameterReferences(ctx.tx, ids[i]));
      AURORA_TRY(after, LoadParameterJson(ctx.tx, updated, *to_env, ctx.environments));
      AURORA_CHECK(RecordChange(ctx, actor, "promote", Kind::kParameter, ids[i], to_env, json(before), json(after)));
    }
    AURORA_CHECK(ValidateConfig(ctx, Kind::kParameter, 0, to_env, to_env->name));
    plan["revision"] = to_env->revision + 1;
    return plan;
  });
}

}  // namespace aurora::server
