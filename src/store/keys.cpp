#include "store/keys.hpp"

namespace aurora::store {
namespace {
constexpr const char* kColumns =
    "id, name, scope, prefix, secret_hash, created_at, last_used_at, revoked_at, environment";

ApiKeyRecord FromRow(const Row& row) {
  ApiKeyRecord k{row.Int(0), row.Text(1), row.Text(2), row.Text(3), row.Text(4), row.Int(5),
                 row.OptionalInt(6), row.OptionalInt(7), std::nullopt};
  if (!row.IsNull(8)) k.environment = row.Text(8);
  return k;
}
}  // namespace

Result<std::int64_t> InsertApiKey(Transaction& tx, const ApiKeyRecord& k) {
  auto rows = tx.Query(
      "INSERT INTO api_keys (name, scope, prefix, secret_hash, created_at, environment) VALUES ($1, $2, $3, $4, $5, $6) "
      "RETURNING id",
      {Param(k.name), Param(k.scope), Param(k.prefix), Param(k.secret_hash), Param(k.created_at),
       k.environment ? Param(*k.environment) : Null()});
  if (!rows) return std::move(rows).error();
  return rows->at(0).Int(0);
}

Result<std::vector<ApiKeyRecord>> ListApiKeys(Transaction& tx) {
  auto rows = tx.Query(std::string("SELECT ") + kColumns + " FROM api_keys ORDER BY id");
  if (!rows) return std::move(rows).error();
  std::vector<ApiKeyRecord> out;
  for (const Row& row : *rows) out.push_back(FromRow(row));
  return out;
}

Result<std::optional<ApiKeyRecord>> GetApiKey(Transaction& tx, std::int64_t id) {
  auto rows = tx.Query(std::string("SELECT ") + kColumns + " FROM api_keys WHERE id = $1", {Param(id)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<ApiKeyRecord>();
  return std::optional<ApiKeyRecord>(FromRow(rows->front()));
}

Result<bool> RevokeApiKey(Transaction& tx, std::int64_t id, std::int64_t now) {
  auto existing = GetApiKey(tx, id);
  if (!existing) return std::move(existing).error();
  if (!*existing) return false;
  auto n = tx.Exec("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", {Param(now), Param(id)});
  if (!n) return std::move(n).error();
  return true;
}

Result<void> RevokeEnvironmentKeys(Transaction& tx, const std::string& environment, std::int64_t now) {
  auto n = tx.Exec("UPDATE api_keys SET revoked_at = $1 WHERE environment = $2 AND revoked_at IS NULL",
                   {Param(now), Param(environment)});
  if (!n) return std::move(n).error();
  return {};
}

Result<void> TouchApiKey(Transaction& tx, std::int64_t id, std::int64_t now) {
  auto n = tx.Exec("UPDATE api_keys SET last_used_at = $1 WHERE id = $2", {Param(now), Param(id)});
  if (!n) return std::move(n).error();
  return {};
}

Result<std::int64_t> CountApiKeys(Transaction& tx) {
  auto rows = tx.Query("SELECT COUNT(*) FROM api_keys");
  if (!rows) return std::move(rows).error();
  return rows->at(0).Int(0);
}

}  // namespace aurora::store
