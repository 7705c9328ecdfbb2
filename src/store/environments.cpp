#include "store/environments.hpp"

namespace aurora::store {
namespace {

constexpr const char* kColumns =
    "id, name, description, protected, position, revision, revision_at, version, created_at, updated_at";

Environment FromRow(const Row& row) {
  Environment e;
  e.id = row.Int(0);
  e.name = row.Text(1);
  e.description = row.Text(2);
  e.is_protected = row.Int(3) != 0;
  e.position = row.Int(4);
  e.revision = row.Int(5);
  e.revision_at = row.Int(6);
  e.version = row.Int(7);
  e.created_at = row.Int(8);
  e.updated_at = row.Int(9);
  return e;
}

Result<std::optional<Environment>> SelectOne(Transaction& tx, const std::string& where, const std::vector<SqlParam>& params) {
  auto rows = tx.Query(std::string("SELECT ") + kColumns + " FROM environments " + where, params);
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<Environment>();
  return std::optional<Environment>(FromRow(rows->front()));
}

nlohmann::json ParseState(const std::string& text) {
  // Written only by this code as valid JSON; a damaged one reads as empty and the snapshot
  // validation refuses it loudly rather than the server crashing.
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? nlohmann::json::object() : j;
}

}  // namespace

Result<std::vector<Environment>> AllEnvironments(Transaction& tx) {
  auto rows = tx.Query(std::string("SELECT ") + kColumns + " FROM environments ORDER BY position, id");
  if (!rows) return std::move(rows).error();
  std::vector<Environment> out;
  out.reserve(rows->size());
  for (const Row& row : *rows) out.push_back(FromRow(row));
  return out;
}

Result<std::optional<Environment>> GetEnvironment(Transaction& tx, const std::string& name) {
  return SelectOne(tx, "WHERE name = $1", {Param(name)});
}

Result<std::optional<Environment>> GetEnvironmentById(Transaction& tx, std::int64_t id) {
  return SelectOne(tx, "WHERE id = $1", {Param(id)});
}

Result<void> InsertEnvironment(Transaction& tx, Environment& e) {
  auto rows = tx.Query(
      "INSERT INTO environments (name, description, protected, position, revision, revision_at, version, created_at, "
      "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
      {Param(e.name), Param(e.description), Param(std::int64_t{e.is_protected ? 1 : 0}), Param(e.position),
       Param(e.revision), Param(e.revision_at), Param(e.version), Param(e.created_at), Param(e.updated_at)});
  if (!rows) return std::move(rows).error();
  e.id = rows->at(0).Int(0);
  return {};
}

Result<bool> UpdateEnvironment(Transaction& tx, const Environment& e, std::int64_t expected_version) {
  auto n = tx.Exec(
      "UPDATE environments SET description = $1, protected = $2, position = $3, version = $4, updated_at = $5 "
      "WHERE id = $6 AND version = $7",
      {Param(e.description), Param(std::int64_t{e.is_protected ? 1 : 0}), Param(e.position), Param(e.version),
       Param(e.updated_at), Param(e.id), Param(expected_version)});
  if (!n) return std::move(n).error();
  return *n == 1;
}

Result<void> DeleteEnvironment(Transaction& tx, std::int64_t id) {
  // Explicit, so it does not depend on SQLite's foreign_keys setting.
  if (auto r = tx.Exec("DELETE FROM parameter_states WHERE environment_id = $1", {Param(id)}); !r) {
    return std::move(r).error();
  }
  if (auto r = tx.Exec("DELETE FROM environments WHERE id = $1", {Param(id)}); !r) return std::move(r).error();
  return {};
}

Result<std::int64_t> BumpEnvironmentRevision(Transaction& tx, std::int64_t environment_id, std::int64_t now) {
  auto rows = tx.Query(
      "UPDATE environments SET revision = revision + 1, revision_at = $1 WHERE id = $2 RETURNING revision",
      {Param(now), Param(environment_id)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return Error{ErrorCode::kNotFound, "environment " + std::to_string(environment_id) + " not found"};
  return rows->at(0).Int(0);
}

Result<std::optional<nlohmann::json>> GetParameterState(Transaction& tx, std::int64_t parameter_id,
                                                        std::int64_t environment_id) {
  auto rows = tx.Query("SELECT body FROM parameter_states WHERE parameter_id = $1 AND environment_id = $2",
                       {Param(parameter_id), Param(environment_id)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<nlohmann::json>();
  return std::optional<nlohmann::json>(ParseState(rows->front().Text(0)));
}

Result<std::map<std::int64_t, nlohmann::json>> EnvironmentStates(Transaction& tx, std::int64_t environment_id) {
  auto rows = tx.Query("SELECT parameter_id, body FROM parameter_states WHERE environment_id = $1",
                       {Param(environment_id)});
  if (!rows) return std::move(rows).error();
  std::map<std::int64_t, nlohmann::json> out;
  for (const Row& row : *rows) out.emplace(row.Int(0), ParseState(row.Text(1)));
  return out;
}

Result<std::map<std::int64_t, std::map<std::int64_t, nlohmann::json>>> ParameterStatesInRange(
    Transaction& tx, std::int64_t first_id, std::int64_t last_id) {
  auto rows = tx.Query(
      "SELECT parameter_id, environment_id, body FROM parameter_states WHERE parameter_id >= $1 AND parameter_id <= $2",
      {Param(first_id), Param(last_id)});
  if (!rows) return std::move(rows).error();
  std::map<std::int64_t, std::map<std::int64_t, nlohmann::json>> out;
  for (const Row& row : *rows) out[row.Int(0)].emplace(row.Int(1), ParseState(row.Text(2)));
  return out;
}

Result<void> PutParameterState(Transaction& tx, std::int64_t parameter_id, std::int64_t environment_id,
                               const nlohmann::json& state) {
  auto r = tx.Exec(
      "INSERT INTO parameter_states (parameter_id, environment_id, body) VALUES ($1, $2, $3) "
      "ON CONFLICT (parameter_id, environment_id) DO UPDATE SET body = excluded.body",
      {Param(parameter_id), Param(environment_id), Param(state.dump())});
  if (!r) return std::move(r).error();
  return {};
}

Result<void> CopyEnvironmentStates(Transaction& tx, std::int64_t from, std::int64_t to) {
  if (auto r = tx.Exec("DELETE FROM parameter_states WHERE environment_id = $1", {Param(to)}); !r) {
    return std::move(r).error();
  }
  auto r = tx.Exec(
      "INSERT INTO parameter_states (parameter_id, environment_id, body) "
      "SELECT parameter_id, CAST($1 AS BIGINT), body FROM parameter_states WHERE environment_id = $2",
      {Param(to), Param(from)});
  if (!r) return std::move(r).error();
  return {};
}

}  // namespace aurora::store
