#pragma once

// Repository functions for the four resource kinds, the global revision, the reference
// tables and the audit log. All run inside a caller's Transaction, so a service composes
// several into one atomic write.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aurora/result.hpp"
#include "store/database.hpp"

namespace aurora::store {

/// The four resource kinds, and kApiKey, kEnvironment and kUser, which appear only in the audit log.
enum class Kind { kAttribute, kSegment, kParameter, kExperiment, kApiKey, kEnvironment, kUser };
/// "attribute", "segment", "parameter", "experiment", "key", "environment", "user".
const char* KindName(Kind kind);
/// "attributes", ... (also the table name).
const char* KindPlural(Kind kind);

/// A stored resource: its columns, and `body`, the canonical JSON of its other fields.
struct Resource {
  std::int64_t id = 0;
  std::string name;
  nlohmann::json body = nlohmann::json::object();
  std::int64_t version = 1;
  std::int64_t created_at = 0;  // microseconds since the epoch
  std::int64_t updated_at = 0;
  // Kind-specific columns.
  std::string data_type;  // attributes, parameters
  std::string uuid;       // experiments
  std::string status;     // experiments
  std::optional<std::int64_t> start_date;  // experiments
  std::optional<std::int64_t> end_date;
  std::int64_t environment_id = 0;  // experiments: the environment they belong to
};

Result<std::optional<Resource>> GetResource(Transaction& tx, Kind kind, std::int64_t id);
Result<std::optional<Resource>> GetResourceByName(Transaction& tx, Kind kind, const std::string& name);
/// The experiment with this uuid.
Result<std::optional<Resource>> GetExperimentByUuid(Transaction& tx, const std::string& uuid);
/// Up to `limit` resources with id > `after_id`, ascending; experiments of `environment_id` only
/// when given.
Result<std::vector<Resource>> ListResources(Transaction& tx, Kind kind, std::int64_t after_id, int limit,
                                            std::optional<std::int64_t> environment_id = std::nullopt);
/// Every resource of a kind, ascending id; experiments of `environment_id` only when given.
Result<std::vector<Resource>> AllResources(Transaction& tx, Kind kind,
                                           std::optional<std::int64_t> environment_id = std::nullopt);
/// Inserts; sets r.id. kConflict on a duplicate name or uuid.
Result<void> InsertResource(Transaction& tx, Kind kind, Resource& r);
/// Writes r (with r.version already raised) when the stored version is `expected_version`;
/// false when it is not (a stale write).
Result<bool> UpdateResource(Transaction& tx, Kind kind, const Resource& r, std::int64_t expected_version);
Result<void> DeleteResource(Transaction& tx, Kind kind, std::int64_t id);

/// What a resource refers to, kept in the reference tables.
struct References {
  std::vector<std::int64_t> attributes;
  std::vector<std::int64_t> segments;
  std::vector<std::int64_t> parameters;  // experiments only
};
/// Replaces the references owned by (kind, id).
Result<void> SetReferences(Transaction& tx, Kind owner_kind, std::int64_t owner_id, const References& refs);
/// Drops the references owned by (kind, id).
Result<void> ClearReferences(Transaction& tx, Kind owner_kind, std::int64_t owner_id);

struct Referrer {
  Kind kind;
  std::int64_t id;
  std::string name;
};
/// Who refers to the resource (kind, id): for 409 messages on delete.
Result<std::vector<Referrer>> Referrers(Transaction& tx, Kind kind, std::int64_t id);

struct RevisionInfo {
  std::int64_t revision = 0;
  std::int64_t updated_at = 0;  // microseconds since the epoch: the commit time of `revision`
};
/// Takes the write lock for the rest of the transaction: the row of `aurora_revision`
/// (PostgreSQL: FOR UPDATE; SQLite's write transactions are already exclusive). Its counter is
/// no longer raised: each environment has its own revision (store/environments.hpp).
Result<RevisionInfo> LockRevision(Transaction& tx);

struct AuditRecord {
  std::int64_t id = 0;
  std::int64_t at = 0;
  std::string actor;
  std::string action;  // create, update, delete, start, pause, complete, abort, schedule...
  Kind kind = Kind::kAttribute;
  std::int64_t resource_id = 0;
  std::int64_t revision = 0;
  std::optional<nlohmann::json> before;
  std::optional<nlohmann::json> after;
  std::optional<std::string> environment;  // the environment changed; none for global resources
};
Result<void> AppendAudit(Transaction& tx, const AuditRecord& record);
/// What the audit list filters by; every part optional.
struct AuditQuery {
  std::optional<Kind> kind;
  std::optional<std::int64_t> resource_id;
  std::optional<std::string> environment;
  std::optional<std::string> actor;   // exactly, e.g. "user:ada@example.com"
  std::optional<std::int64_t> since;  // at >= since (microseconds since the epoch)
  std::optional<std::int64_t> until;  // at < until
  bool newest_first = true;           // descending id; false: ascending
};
/// Up to `limit` audit records that match `query`, in its order, after the record `cursor_id`
/// (0: from the start): ids below it when newest first, above it otherwise.
Result<std::vector<AuditRecord>> ListAudit(Transaction& tx, const AuditQuery& query, std::int64_t cursor_id, int limit);

std::optional<Kind> ParseKind(std::string_view singular);

}  // namespace aurora::store
