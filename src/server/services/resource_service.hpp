#pragma once

// The management API's logic (SPEC §2, §5, §10): create, read, list, replace, patch and delete
// the four resource kinds and the environments, experiment actions, diff and promote between
// environments, and the audit trail. Every write is one database transaction that locks the
// write lock (the global revision row), validates every configuration it touches with the
// engine, raises the revision of each environment whose snapshot it changes by exactly one and
// appends audit records.

#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aurora/result.hpp"
#include "server/services/clock.hpp"
#include "server/services/try.hpp"
#include "store/database.hpp"
#include "store/environments.hpp"
#include "store/resources.hpp"

namespace aurora::server {

/// One page of a list: {"items": [...], "nextCursor": "…" | null}.
struct Page {
  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  std::optional<std::string> next_cursor;
  nlohmann::ordered_json ToJson() const;
};

/// What the audit list filters by (all optional).
using AuditFilter = store::AuditQuery;

/// The state of one write transaction: the environments as they were when it began, and
/// which of them it changed (each gets exactly one new revision at commit).
struct WriteContext {
  store::Transaction& tx;
  std::int64_t now = 0;
  std::vector<store::Environment> environments;
  std::set<std::int64_t> touched;
  bool environments_changed = false;  // one was created or deleted: snapshot holders must look

  const store::Environment* Find(std::string_view name) const;
  /// Marks an environment changed; the revision it will have after this write.
  std::int64_t Touch(std::int64_t environment_id);
  /// Marks every environment changed (a global resource changed).
  void TouchAll();
};

/// Thread-safe: each call runs its own transaction. `environment` arguments name an
/// environment; "" means the default one.
class ResourceService {
 public:
  using Listener = std::function<void(const std::vector<store::EnvironmentRevision>&)>;
  using WriteHook = std::function<Result<void>(store::Transaction&, const std::vector<store::EnvironmentRevision>&)>;

  ResourceService(store::Database& db, const Clock& clock, std::string default_environment = "production")
      : db_(db), clock_(clock), default_environment_(std::move(default_environment)) {}

  const std::string& default_environment() const { return default_environment_; }

  /// Called after every committed write that changed snapshots, with the new revisions.
  void OnCommit(Listener listener);
  /// Called inside every write transaction, after the change and before the commit, with the
  /// new revisions: what it writes commits or rolls back with the change (durable jobs).
  /// Set before serving; not thread-safe against concurrent writes.
  void OnWrite(WriteHook hook);

  Result<nlohmann::ordered_json> Create(store::Kind kind, const nlohmann::json& body, const std::string& actor,
                                        const std::string& environment = "");
  Result<nlohmann::ordered_json> Get(store::Kind kind, std::int64_t id, const std::string& environment = "");
  /// `cursor` is the opaque nextCursor of the previous page ("" for the first); limit 1..1000.
  /// Experiments: those of `environment` only.
  Result<Page> List(store::Kind kind, const std::string& cursor, int limit, const std::string& environment = "");
  /// PUT (`patch` false: the body replaces every mutable field) or PATCH (RFC 7396 merge
  /// patch). The version comes from the body or `if_match`; a stale one is a kConflict. For a
  /// parameter, the state written is `environment`'s.
  Result<nlohmann::ordered_json> Update(store::Kind kind, std::int64_t id, const nlohmann::json& body,
                                        std::optional<std::int64_t> if_match, bool patch, const std::string& actor,
                                        const std::string& environment = "");
  Result<void> Delete(store::Kind kind, std::int64_t id, const std::string& actor);
  /// start, pause, complete or abort (SPEC §2 "Experiment lifecycle").
  Result<nlohmann::ordered_json> Act(std::int64_t experiment_id, const std::string& action, const std::string& actor);
  /// Moves experiments whose startDate or endDate has passed (scheduled -> running,
  /// running/paused -> completed); the number moved. Run by the scheduler job.
  Result<int> AdvanceSchedules(const std::string& actor);
  Result<Page> Audit(const AuditFilter& filter, const std::string& cursor, int limit);

  // Environments (SPEC §10, docs/environments.md).
  Result<Page> ListEnvironments();
  Result<nlohmann::ordered_json> GetEnvironment(const std::string& name);
  Result<nlohmann::ordered_json> CreateEnvironment(const nlohmann::json& body, const std::string& actor);
  Result<nlohmann::ordered_json> UpdateEnvironment(const std::string& name, const nlohmann::json& body,
                                                   std::optional<std::int64_t> if_match, bool patch,
                                                   const std::string& actor);
  Result<void> DeleteEnvironment(const std::string& name, const std::string& actor);
  /// Per parameter, the state fields that differ between `from` and `to`.
  Result<nlohmann::ordered_json> Diff(const std::string& to, const std::string& from);
  /// Copies parameter states from body.from into `to` in one transaction (one revision of `to`,
  /// one audit record per parameter changed); with "dryRun", what it would write.
  Result<nlohmann::ordered_json> Promote(const std::string& to, const nlohmann::json& body, const std::string& actor);
  /// kNotFound naming the environment unless it exists ("" = the default one).
  Result<store::Environment> FindEnvironment(const std::string& name);

  /// The id of the resource a path names: digits are its id (not checked here); otherwise its
  /// name (attributes and parameters: an identifier; segments and experiments: a label, or an
  /// experiment's uuid). kInvalidArgument (field "id") for text that can be neither, kNotFound
  /// for a name of nothing.
  Result<std::int64_t> ResolveId(store::Kind kind, std::string_view text);

 private:
  template <class F>
  auto Write(F&& body) -> decltype(body(std::declval<WriteContext&>()));
  /// Compiles the configuration of `environment` (every environment when null) and maps a
  /// failure to the written resource's terms.
  Result<void> ValidateConfig(WriteContext& ctx, store::Kind kind, std::int64_t id,
                              const store::Environment* environment, const std::string& written_in);
  Result<std::int64_t> RecordChange(WriteContext& ctx, const std::string& actor, const std::string& action,
                                    store::Kind kind, std::int64_t id, const store::Environment* environment,
                                    std::optional<nlohmann::json> before, std::optional<nlohmann::json> after);
  /// Applies an action to `e` and writes it; with `record`, also audits.
  Result<void> Transition(WriteContext& ctx, store::Resource& e, const std::string& action,
                          const std::string& audit_action, const std::string& actor, bool record = true);
  /// A parameter as `environment` sees it, with the read-only `environments` summary.
  Result<nlohmann::ordered_json> LoadParameterJson(store::Transaction& tx, const store::Resource& definition,
                                                   const store::Environment& environment,
                                                   const std::vector<store::Environment>& all);
  nlohmann::ordered_json ExperimentJson(const store::Resource& e, const std::vector<store::Environment>& all);
  Result<nlohmann::ordered_json> PromotePlan(store::Transaction& tx, const store::Environment& to,
                                             const nlohmann::json& body, std::vector<std::int64_t>* ids,
                                             std::vector<nlohmann::json>* states);
  void Notify(const std::vector<store::EnvironmentRevision>& changed);

  store::Database& db_;
  const Clock& clock_;
  std::string default_environment_;
  std::mutex listeners_mutex_;  // guards listeners_
  std::vector<Listener> listeners_;
  std::vector<WriteHook> write_hooks_;
};

template <class F>
auto ResourceService::Write(F&& body) -> decltype(body(std::declval<WriteContext&>())) {
  AURORA_TRY(tx, db_.Begin(true));
  AURORA_CHECK(store::LockRevision(*tx));
  AURORA_TRY(environments, store::AllEnvironments(*tx));
  WriteContext ctx{*tx, ToMicros(clock_.Now()), std::move(environments), {}};
  auto result = body(ctx);
  if (!result) return result;  // the transaction rolls back as it goes
  std::vector<store::EnvironmentRevision> changed;
  for (const store::Environment& e : ctx.environments) {
    if (!ctx.touched.count(e.id)) continue;
    AURORA_TRY(revision, store::BumpEnvironmentRevision(*tx, e.id, ctx.now));
    changed.push_back(store::EnvironmentRevision{e.name, revision});
  }
  if (!changed.empty()) {
    for (auto& hook : write_hooks_) AURORA_CHECK(hook(*tx, changed));
  }
  AURORA_CHECK(tx->Commit());
  if (!changed.empty() || ctx.environments_changed) Notify(changed);
  return result;
}

/// Parses a list cursor ("" = from the start); kInvalidArgument naming `cursor` otherwise.
Result<std::int64_t> ParseCursor(const std::string& cursor);

/// Appends an audit record of a change in `ctx` at `revision` (no revision is raised here).
Result<void> AppendRecord(WriteContext& ctx, const std::string& actor, const std::string& action, store::Kind kind,
                          std::int64_t id, std::int64_t revision, std::optional<std::string> environment,
                          std::optional<nlohmann::json> before, std::optional<nlohmann::json> after);

/// The version a PUT or PATCH must match: `version` in the body or `If-Match` (equal when both);
/// kInvalidArgument naming `version` when neither is there or they differ.
Result<std::int64_t> VersionOf(const nlohmann::json& body, std::optional<std::int64_t> if_match);

/// Sets a parameter's reference rows to those of its states in every environment.
Result<void> SetParameterReferences(store::Transaction& tx, std::int64_t parameter_id);

/// The 404 for an environment that does not exist; it names the environment when the name is
/// well-formed (a hostile one is not echoed).
Error UnknownEnvironment(std::string_view name, std::string field = "environment");

/// `^[a-z][a-z0-9-]{0,31}$`: environment names.
Result<std::string> CheckEnvironmentName(const std::string& name, const std::string& field);

}  // namespace aurora::server
