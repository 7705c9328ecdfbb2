#pragma once

// Environments and per-environment parameter states (docs/environments.md). Like the other
// repository functions, all run inside a caller's Transaction.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aurora/result.hpp"
#include "store/database.hpp"

namespace aurora::store {

/// One environment as stored. `revision` is the revision of its snapshot; `revision_at` the
/// commit time of that revision (microseconds since the epoch).
struct Environment {
  std::int64_t id = 0;
  std::string name;
  std::string description;
  bool is_protected = false;
  std::int64_t position = 0;
  std::int64_t revision = 0;
  std::int64_t revision_at = 0;
  std::int64_t version = 1;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

/// A revision committed in one environment (what a write changed, for hooks and listeners).
struct EnvironmentRevision {
  std::string environment;
  std::int64_t revision = 0;
};

/// Every environment, by position then id.
Result<std::vector<Environment>> AllEnvironments(Transaction& tx);
Result<std::optional<Environment>> GetEnvironment(Transaction& tx, const std::string& name);
Result<std::optional<Environment>> GetEnvironmentById(Transaction& tx, std::int64_t id);
/// Inserts; sets e.id. kConflict on a duplicate name.
Result<void> InsertEnvironment(Transaction& tx, Environment& e);
/// Writes description, protected, position, version and updated_at when the stored version is
/// `expected_version`; false when it is not.
Result<bool> UpdateEnvironment(Transaction& tx, const Environment& e, std::int64_t expected_version);
/// Deletes the environment with its parameter states (its experiments must be gone).
Result<void> DeleteEnvironment(Transaction& tx, std::int64_t id);
/// Raises the environment's revision by exactly one, stamped `now`; the new revision.
Result<std::int64_t> BumpEnvironmentRevision(Transaction& tx, std::int64_t environment_id, std::int64_t now);

/// A parameter's state in one environment: {"enabled", "defaultValue", "rules"}.
Result<std::optional<nlohmann::json>> GetParameterState(Transaction& tx, std::int64_t parameter_id,
                                                        std::int64_t environment_id);
/// Every state of one environment, by parameter id.
Result<std::map<std::int64_t, nlohmann::json>> EnvironmentStates(Transaction& tx, std::int64_t environment_id);
/// The states of the parameters with ids in [first_id, last_id], every environment:
/// parameter id -> environment id -> state.
Result<std::map<std::int64_t, std::map<std::int64_t, nlohmann::json>>> ParameterStatesInRange(
    Transaction& tx, std::int64_t first_id, std::int64_t last_id);
/// Inserts or replaces one state.
Result<void> PutParameterState(Transaction& tx, std::int64_t parameter_id, std::int64_t environment_id,
                               const nlohmann::json& state);
/// Copies every state of `from` into `to` (replacing what `to` had).
Result<void> CopyEnvironmentStates(Transaction& tx, std::int64_t from, std::int64_t to);

}  // namespace aurora::store
