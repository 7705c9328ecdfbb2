#include "store/users.hpp"

namespace aurora::store {
namespace {
constexpr const char* kUserColumns =
    "id, email, name, role, password_hash, disabled, version, created_at, updated_at, last_login_at";

UserRecord UserFromRow(const Row& row) {
  UserRecord u;
  u.id = row.Int(0);
  u.email = row.Text(1);
  u.name = row.Text(2);
  u.role = row.Text(3);
  if (!row.IsNull(4)) u.password_hash = row.Text(4);
  u.disabled = row.Int(5) != 0;
  u.version = row.Int(6);
  u.created_at = row.Int(7);
  u.updated_at = row.Int(8);
  u.last_login_at = row.OptionalInt(9);
  return u;
}

Result<void> Done(Result<std::int64_t> r) {
  if (!r) return std::move(r).error();
  return {};
}
}  // namespace

Result<void> InsertUser(Transaction& tx, UserRecord& u) {
  auto rows = tx.Query(
      "INSERT INTO users (email, name, role, password_hash, disabled, version, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
      {Param(u.email), Param(u.name), Param(u.role), u.password_hash ? Param(*u.password_hash) : Null(),
       Param(std::int64_t{u.disabled ? 1 : 0}), Param(u.version), Param(u.created_at), Param(u.updated_at)});
  if (!rows) return std::move(rows).error();
  u.id = rows->at(0).Int(0);
  return {};
}

Result<std::optional<UserRecord>> GetUser(Transaction& tx, std::int64_t id) {
  auto rows = tx.Query(std::string("SELECT ") + kUserColumns + " FROM users WHERE id = $1", {Param(id)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<UserRecord>();
  return std::optional<UserRecord>(UserFromRow(rows->front()));
}

Result<std::optional<UserRecord>> GetUserByEmail(Transaction& tx, const std::string& email) {
  auto rows = tx.Query(std::string("SELECT ") + kUserColumns + " FROM users WHERE email = $1", {Param(email)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<UserRecord>();
  return std::optional<UserRecord>(UserFromRow(rows->front()));
}

Result<std::vector<UserRecord>> ListUsers(Transaction& tx, std::int64_t after_id, int limit) {
  auto rows = tx.Query(std::string("SELECT ") + kUserColumns + " FROM users WHERE id > $1 ORDER BY id LIMIT $2",
                       {Param(after_id), Param(std::int64_t{limit})});
  if (!rows) return std::move(rows).error();
  std::vector<UserRecord> out;
  for (const Row& row : *rows) out.push_back(UserFromRow(row));
  return out;
}

Result<std::int64_t> CountUsers(Transaction& tx) {
  auto rows = tx.Query("SELECT COUNT(*) FROM users");
  if (!rows) return std::move(rows).error();
  return rows->at(0).Int(0);
}

Result<std::int64_t> CountActiveAdmins(Transaction& tx) {
  auto rows = tx.Query("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0");
  if (!rows) return std::move(rows).error();
  return rows->at(0).Int(0);
}

Result<bool> UpdateUser(Transaction& tx, const UserRecord& u, std::int64_t expected_version) {
  auto n = tx.Exec(
      "UPDATE users SET name = $1, role = $2, password_hash = $3, disabled = $4, version = $5, updated_at = $6 "
      "WHERE id = $7 AND version = $8",
      {Param(u.name), Param(u.role), u.password_hash ? Param(*u.password_hash) : Null(),
       Param(std::int64_t{u.disabled ? 1 : 0}), Param(u.version), Param(u.updated_at), Param(u.id),
       Param(expected_version)});
  if (!n) return std::move(n).error();
  return *n == 1;
}

Result<void> DeleteUser(Transaction& tx, std::int64_t id) {
  return Done(tx.Exec("DELETE FROM users WHERE id = $1", {Param(id)}));
}

Result<void> TouchUserLogin(Transaction& tx, std::int64_t id, std::int64_t now) {
  return Done(tx.Exec("UPDATE users SET last_login_at = $1 WHERE id = $2", {Param(now), Param(id)}));
}

Result<void> InsertSession(Transaction& tx, const SessionRecord& s) {
  return Done(tx.Exec(
      "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5)",
      {Param(s.token_hash), Param(s.user_id), Param(s.csrf_token), Param(s.created_at), Param(s.last_seen_at)}));
}

Result<std::optional<SessionRecord>> GetSession(Transaction& tx, const std::string& token_hash) {
  auto rows = tx.Query(
      "SELECT token_hash, user_id, csrf_token, created_at, last_seen_at, revoked_at FROM sessions WHERE token_hash = $1",
      {Param(token_hash)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<SessionRecord>();
  const Row& row = rows->front();
  return std::optional<SessionRecord>(
      SessionRecord{row.Text(0), row.Int(1), row.Text(2), row.Int(3), row.Int(4), row.OptionalInt(5)});
}

Result<void> TouchSession(Transaction& tx, const std::string& token_hash, std::int64_t now) {
  return Done(tx.Exec("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at < $1",
                      {Param(now), Param(token_hash)}));
}

Result<void> RevokeSession(Transaction& tx, const std::string& token_hash, std::int64_t now) {
  return Done(tx.Exec("UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
                      {Param(now), Param(token_hash)}));
}

Result<void> RevokeUserSessions(Transaction& tx, std::int64_t user_id, std::int64_t now, const std::string& keep) {
  return Done(tx.Exec(
      "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND token_hash <> $3",
      {Param(now), Param(user_id), Param(keep)}));
}

Result<void> PruneSessions(Transaction& tx, std::int64_t before) {
  return Done(tx.Exec("DELETE FROM sessions WHERE revoked_at < $1 OR last_seen_at < $1", {Param(before)}));
}

Result<void> InsertSetupToken(Transaction& tx, const std::string& token_hash, std::int64_t created_at,
                              std::int64_t expires_at) {
  return Done(tx.Exec("INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)",
                      {Param(token_hash), Param(created_at), Param(expires_at)}));
}

Result<bool> ConsumeSetupToken(Transaction& tx, const std::string& token_hash, std::int64_t now) {
  auto n = tx.Exec(
      "UPDATE setup_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
      {Param(now), Param(token_hash)});
  if (!n) return std::move(n).error();
  return *n == 1;
}

Result<void> RecordLoginFailure(Transaction& tx, const std::string& subject, std::int64_t at) {
  return Done(tx.Exec("INSERT INTO login_failures (subject, at) VALUES ($1, $2)", {Param(subject), Param(at)}));
}

Result<FailureCount> CountLoginFailures(Transaction& tx, const std::string& subject, std::int64_t since) {
  auto rows = tx.Query("SELECT COUNT(*), MIN(at) FROM login_failures WHERE subject = $1 AND at >= $2",
                       {Param(subject), Param(since)});
  if (!rows) return std::move(rows).error();
  return FailureCount{rows->at(0).Int(0), rows->at(0).Int(1)};
}

Result<void> ClearLoginFailures(Transaction& tx, const std::string& subject) {
  return Done(tx.Exec("DELETE FROM login_failures WHERE subject = $1", {Param(subject)}));
}

Result<void> PruneLoginFailures(Transaction& tx, std::int64_t before) {
  return Done(tx.Exec("DELETE FROM login_failures WHERE at < $1", {Param(before)}));
}

Result<void> InsertOidcLogin(Transaction& tx, const OidcLoginRecord& l) {
  return Done(tx.Exec("INSERT INTO oidc_logins (state_hash, nonce, code_verifier, created_at) VALUES ($1, $2, $3, $4)",
                      {Param(l.state_hash), Param(l.nonce), Param(l.code_verifier), Param(l.created_at)}));
}

Result<std::optional<OidcLoginRecord>> ConsumeOidcLogin(Transaction& tx, const std::string& state_hash) {
  auto rows = tx.Query("DELETE FROM oidc_logins WHERE state_hash = $1 RETURNING state_hash, nonce, code_verifier, created_at",
                       {Param(state_hash)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<OidcLoginRecord>();
  const Row& row = rows->front();
  return std::optional<OidcLoginRecord>(OidcLoginRecord{row.Text(0), row.Text(1), row.Text(2), row.Int(3)});
}

Result<void> PruneOidcLogins(Transaction& tx, std::int64_t before) {
  return Done(tx.Exec("DELETE FROM oidc_logins WHERE created_at < $1", {Param(before)}));
}

}  // namespace aurora::store
