#include "server/services/resource_service.hpp"

#include <charconv>
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

constexpr const char* kReadOnly[] = {"id", "uuid", "createdAt", "updatedAt"};

bool IsActive(const std::string& status) { return status == "scheduled" || status == "running" || status == "paused"; }

// Bumps the revision and appends the audit record of one change; the new revision.
Result<std::int64_t> RecordChange(store::Transaction& tx, std::int64_t now, const std::string& actor,
                                  const std::string& action, Kind kind, std::int64_t id,
                                  std::optional<json> before, std::optional<json> after) {
  AURORA_TRY(revision, store::BumpRevision(tx, now));
  store::AuditRecord a;
  a.at = now;
  a.actor = actor;
  a.action = action;
  a.kind = kind;
  a.resource_id = id;
  a.revision = revision;
  a.before = std::move(before);
  a.after = std::move(after);
  AURORA_CHECK(store::AppendAudit(tx, a));
  return revision;
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

// Two experiments that set the same parameter may not both be active with intersecting windows.
Result<void> CheckOverlaps(store::Transaction& tx, const store::Resource& e) {
  if (!IsActive(e.status)) return {};
  AURORA_TRY(all, store::AllResources(tx, Kind::kExperiment));
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
Result<json> StripReadOnly(const json& body, const nlohmann::ordered_json& current, bool creating) {
  json out = body;
  for (const char* key : kReadOnly) {
    const auto it = out.find(key);
    if (it == out.end()) continue;
    if (creating) return Invalid(key, "is read-only");
    if (!current.contains(key) || json(current[key]) != *it) return Invalid(key, "is read-only and cannot be changed");
    out.erase(key);
  }
  return out;
}

}  // namespace

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

void ResourceService::OnCommit(std::function<void(std::int64_t)> listener) {
  std::lock_guard lock(listeners_mutex_);
  listeners_.push_back(std::move(listener));
}

void ResourceService::OnWrite(std::function<Result<void>(store::Transaction&, std::int64_t)> hook) {
  write_hooks_.push_back(std::move(hook));
}

void ResourceService::Notify(std::int64_t revision) {
  std::vector<std::function<void(std::int64_t)>> copy;
  {
    std::lock_guard lock(listeners_mutex_);
    copy = listeners_;
  }
  for (auto& l : copy) l(revision);
}

template <class F>
auto ResourceService::Write(F&& body) -> decltype(body(std::declval<store::Transaction&>(), std::int64_t{})) {
  AURORA_TRY(tx, db_.Begin(true));
  AURORA_CHECK(store::LockRevision(*tx));
  const std::int64_t now = ToMicros(clock_.Now());
  auto result = body(*tx, now);
  if (!result) return result;  // the transaction rolls back as it goes
  AURORA_TRY(revision, store::CurrentRevision(*tx));
  for (auto& hook : write_hooks_) AURORA_CHECK(hook(*tx, revision.revision));
  AURORA_CHECK(tx->Commit());
  Notify(revision.revision);
  return result;
}

Result<void> ResourceService::ValidateConfig(store::Transaction& tx, Kind kind, std::int64_t id) {
  AURORA_TRY(config, LoadStoredConfig(tx));
  auto compiled = engine::CompileSnapshot(ToSnapshot(config, true));
  if (!compiled) return MapSnapshotError(compiled.error(), config, kind, id);
  return {};
}

Result<nlohmann::ordered_json> ResourceService::Create(Kind kind, const json& body, const std::string& actor) {
  if (!body.is_object()) return Invalid("", "the body must be a JSON object");
  AURORA_TRY(input, StripReadOnly(body, {}, true));
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
  return Write([&](store::Transaction& tx, std::int64_t now) -> Result<nlohmann::ordered_json> {
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
    r.created_at = now;
    r.updated_at = now;
    AURORA_CHECK(store::InsertResource(tx, kind, r));
    AURORA_CHECK(store::SetReferences(tx, kind, r.id, n.references));
    AURORA_CHECK(ValidateConfig(tx, kind, r.id));
    // Create-and-start is one write: one revision, one audit record of the started experiment.
    if (start_after) AURORA_CHECK(Transition(tx, r, "start", "start", actor, now, /*record=*/false));
    AURORA_CHECK(RecordChange(tx, now, actor, "create", kind, r.id, std::nullopt, json(ResourceJson(r))));
    return ResourceJson(r);
  });
}

Result<nlohmann::ordered_json> ResourceService::Get(Kind kind, std::int64_t id) {
  AURORA_TRY(tx, db_.Begin(false));
  AURORA_TRY(r, store::GetResource(*tx, kind, id));
  if (!r) return NotFound(kind, id);
  return ResourceJson(*r);
}

Result<Page> ResourceService::List(Kind kind, const std::string& cursor, int limit) {
  if (limit < 1 || limit > 1000) return Invalid("limit", "must be between 1 and 1000");
  AURORA_TRY(after, ParseCursor(cursor));
  AURORA_TRY(tx, db_.Begin(false));
  AURORA_TRY(rows, store::ListResources(*tx, kind, after, limit + 1));
  Page page;
  for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(limit); ++i) {
    page.items.push_back(ResourceJson(rows[i]));
  }
  if (rows.size() > static_cast<std::size_t>(limit)) page.next_cursor = std::to_string(rows[limit - 1].id);
  return page;
}

Result<nlohmann::ordered_json> ResourceService::Update(Kind kind, std::int64_t id, const json& body,
                                                       std::optional<std::int64_t> if_match, bool patch,
                                                       const std::string& actor) {
  if (!body.is_object()) return Invalid("", "the body must be a JSON object");
  std::optional<std::int64_t> version = if_match;
  if (const auto it = body.find("version"); it != body.end()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 1) return Invalid("version", "must be a positive integer");
    if (version && *version != it->get<std::int64_t>()) return Invalid("version", "differs from the If-Match header");
    version = it->get<std::int64_t>();
  }
  if (!version) return Invalid("version", "is required (in the body or as If-Match) for optimistic concurrency");
  return Write([&](store::Transaction& tx, std::int64_t now) -> Result<nlohmann::ordered_json> {
    AURORA_TRY(existing, store::GetResource(tx, kind, id));
    if (!existing) return NotFound(kind, id);
    if (existing->version != *version) {
      return Error{ErrorCode::kConflict, std::string(store::KindName(kind)) + " " + std::to_string(id) +
                                             " is at version " + std::to_string(existing->version) + ", not " +
                                             std::to_string(*version) + ": reload and retry",
                   "version"};
    }
    const nlohmann::ordered_json before = ResourceJson(*existing);
    json input = body;
    input.erase("version");
    if (patch) {
      // A patch may not touch read-only fields, not even to remove them (null).
      for (const char* key : kReadOnly) {
        if (input.contains(key) && (!before.contains(key) || json(before[key]) != input[key])) {
          return Invalid(key, "is read-only and cannot be changed");
        }
      }
      json merged = json(before);
      merged.erase("version");
      merged.merge_patch(input);
      input = std::move(merged);
    }
    AURORA_TRY(stripped, StripReadOnly(input, before, false));
    if (kind == Kind::kExperiment) {
      if (stripped.contains("status") && stripped["status"] != existing->status) {
        return Invalid("status", "is read-only: use the start, pause, complete and abort actions");
      }
      stripped.erase("status");
    }
    AURORA_TRY(n, Normalize(kind, stripped, &*existing, tx));
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
    r.updated_at = now;
    AURORA_TRY(written, store::UpdateResource(tx, kind, r, existing->version));
    if (!written) return Error{ErrorCode::kConflict, "concurrent update: reload and retry", "version"};
    AURORA_CHECK(store::SetReferences(tx, kind, id, n.references));
    AURORA_CHECK(ValidateConfig(tx, kind, id));
    if (kind == Kind::kExperiment) AURORA_CHECK(CheckOverlaps(tx, r));
    AURORA_CHECK(RecordChange(tx, now, actor, "update", kind, id, json(before), json(ResourceJson(r))));
    return ResourceJson(r);
  });
}

Result<void> ResourceService::Delete(Kind kind, std::int64_t id, const std::string& actor) {
  return Write([&](store::Transaction& tx, std::int64_t now) -> Result<void> {
    AURORA_TRY(existing, store::GetResource(tx, kind, id));
    if (!existing) return NotFound(kind, id);
    AURORA_TRY(users, store::Referrers(tx, kind, id));
    if (!users.empty()) {
      return Error{ErrorCode::kConflict, std::string(store::KindName(kind)) + " \"" + existing->name +
                                             "\" is still used by " + DescribeReferrers(users)};
    }
    AURORA_CHECK(store::ClearReferences(tx, kind, id));
    AURORA_CHECK(store::DeleteResource(tx, kind, id));
    AURORA_CHECK(RecordChange(tx, now, actor, "delete", kind, id, json(ResourceJson(*existing)), std::nullopt));
    return {};
  });
}

Result<void> ResourceService::Transition(store::Transaction& tx, store::Resource& e, const std::string& action,
                                         const std::string& audit_action, const std::string& actor,
                                         std::int64_t now, bool record) {
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
  const json before = json(ResourceJson(e));
  const std::int64_t old_version = e.version;
  e.status = to;
  e.body["status"] = to;
  e.version += 1;
  e.updated_at = now;
  AURORA_TRY(written, store::UpdateResource(tx, Kind::kExperiment, e, old_version));
  if (!written) return Error{ErrorCode::kConflict, "concurrent update: reload and retry"};
  AURORA_CHECK(CheckOverlaps(tx, e));
  if (record) {
    AURORA_CHECK(RecordChange(tx, now, actor, audit_action, Kind::kExperiment, e.id, before, json(ResourceJson(e))));
  }
  return {};
}

Result<nlohmann::ordered_json> ResourceService::Act(std::int64_t id, const std::string& action, const std::string& actor) {
  if (action != "start" && action != "pause" && action != "complete" && action != "abort") {
    return Error{ErrorCode::kNotFound, "unknown experiment action \"" + action + "\""};
  }
  return Write([&](store::Transaction& tx, std::int64_t now) -> Result<nlohmann::ordered_json> {
    AURORA_TRY(e, store::GetResource(tx, Kind::kExperiment, id));
    if (!e) return NotFound(Kind::kExperiment, id);
    AURORA_CHECK(Transition(tx, *e, action, action, actor, now));
    return ResourceJson(*e);
  });
}

Result<int> ResourceService::AdvanceSchedules(const std::string& actor) {
  return Write([&](store::Transaction& tx, std::int64_t now) -> Result<int> {
    AURORA_TRY(all, store::AllResources(tx, Kind::kExperiment));
    int moved = 0;
    for (store::Resource& e : all) {
      if ((e.status == "running" || e.status == "paused" || e.status == "scheduled") && e.end_date && *e.end_date <= now) {
        AURORA_CHECK(Transition(tx, e, "complete", "schedule-complete", actor, now));
        ++moved;
      } else if (e.status == "scheduled" && (!e.start_date || *e.start_date <= now)) {
        AURORA_CHECK(Transition(tx, e, "schedule-start", "schedule-start", actor, now));
        ++moved;
      }
    }
    return moved;
  });
}

Result<Page> ResourceService::Audit(std::optional<Kind> kind, std::optional<std::int64_t> id, const std::string& cursor,
                                    int limit) {
  if (limit < 1 || limit > 1000) return Invalid("limit", "must be between 1 and 1000");
  AURORA_TRY(after, ParseCursor(cursor));
  AURORA_TRY(tx, db_.Begin(false));
  AURORA_TRY(rows, store::ListAudit(*tx, kind, id, after, limit + 1));
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
    j["revision"] = a.revision;
    j["before"] = a.before ? nlohmann::ordered_json(*a.before) : nlohmann::ordered_json(nullptr);
    j["after"] = a.after ? nlohmann::ordered_json(*a.after) : nlohmann::ordered_json(nullptr);
    page.items.push_back(std::move(j));
  }
  if (rows.size() > static_cast<std::size_t>(limit)) page.next_cursor = std::to_string(rows[limit - 1].id);
  return page;
}

}  // namespace aurora::server
