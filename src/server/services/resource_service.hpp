#pragma once

// The management API's logic (SPEC §2, §5): create, read, list, replace, patch and delete the
// four resource kinds, experiment actions, and the audit trail. Every write is one database
// transaction that locks the global revision, validates the whole resulting configuration
// with the engine, raises the revision by one and appends an audit record.

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aurora/result.hpp"
#include "server/services/clock.hpp"
#include "store/database.hpp"
#include "store/resources.hpp"

namespace aurora::server {

/// One page of a list: {"items": [...], "nextCursor": "…" | null}.
struct Page {
  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  std::optional<std::string> next_cursor;
  nlohmann::ordered_json ToJson() const;
};

/// Thread-safe: each call runs its own transaction.
class ResourceService {
 public:
  ResourceService(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  /// Called after every committed write with the new revision (snapshot cache, streams).
  void OnCommit(std::function<void(std::int64_t revision)> listener);
  /// Called inside every write transaction, after the change and before the commit, with the
  /// new revision: what it writes commits or rolls back with the change (durable jobs).
  /// Set before serving; not thread-safe against concurrent writes.
  void OnWrite(std::function<Result<void>(store::Transaction&, std::int64_t revision)> hook);

  Result<nlohmann::ordered_json> Create(store::Kind kind, const nlohmann::json& body, const std::string& actor);
  Result<nlohmann::ordered_json> Get(store::Kind kind, std::int64_t id);
  /// `cursor` is the opaque nextCursor of the previous page ("" for the first); limit 1..1000.
  Result<Page> List(store::Kind kind, const std::string& cursor, int limit);
  /// PUT (`patch` false: the body replaces every mutable field) or PATCH (RFC 7396 merge
  /// patch). The version comes from the body or `if_match`; a stale one is a kConflict.
  Result<nlohmann::ordered_json> Update(store::Kind kind, std::int64_t id, const nlohmann::json& body,
                                        std::optional<std::int64_t> if_match, bool patch, const std::string& actor);
  Result<void> Delete(store::Kind kind, std::int64_t id, const std::string& actor);
  /// start, pause, complete or abort (SPEC §2 "Experiment lifecycle").
  Result<nlohmann::ordered_json> Act(std::int64_t experiment_id, const std::string& action, const std::string& actor);
  /// Moves experiments whose startDate or endDate has passed (scheduled -> running,
  /// running/paused -> completed); the number moved. Run by the scheduler job.
  Result<int> AdvanceSchedules(const std::string& actor);
  Result<Page> Audit(std::optional<store::Kind> kind, std::optional<std::int64_t> id, const std::string& cursor,
                     int limit);

 private:
  template <class F>
  auto Write(F&& body) -> decltype(body(std::declval<store::Transaction&>(), std::int64_t{}));
  Result<void> ValidateConfig(store::Transaction& tx, store::Kind kind, std::int64_t id);
  /// Applies an action to `e` and writes it; with `record`, also raises the revision and audits.
  Result<void> Transition(store::Transaction& tx, store::Resource& e, const std::string& action,
                          const std::string& audit_action, const std::string& actor, std::int64_t now,
                          bool record = true);
  void Notify(std::int64_t revision);

  store::Database& db_;
  const Clock& clock_;
  std::mutex listeners_mutex_;  // guards listeners_
  std::vector<std::function<void(std::int64_t)>> listeners_;
  std::vector<std::function<Result<void>(store::Transaction&, std::int64_t)>> write_hooks_;
};

/// Parses a list cursor ("" = from the start); kInvalidArgument naming `cursor` otherwise.
Result<std::int64_t> ParseCursor(const std::string& cursor);

}  // namespace aurora::server
