#pragma once

// Users, sessions, the first-admin setup token and failed sign-ins (SPEC §11). Like the other
// repository functions, all run inside a caller's Transaction. Secrets never reach this layer:
// passwords arrive as Argon2id hashes, session and setup tokens as SHA-256 hashes.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aurora/result.hpp"
#include "store/database.hpp"

namespace aurora::store {

struct UserRecord {
  std::int64_t id = 0;
  std::string email;  // lower-cased
  std::string name;
  std::string role;   // "viewer", "editor" or "admin"
  std::optional<std::string> password_hash;
  bool disabled = false;
  std::int64_t version = 1;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> last_login_at;
};

/// Inserts; sets u.id. kConflict when the email is taken.
Result<void> InsertUser(Transaction& tx, UserRecord& u);
Result<std::optional<UserRecord>> GetUser(Transaction& tx, std::int64_t id);
/// By lower-cased email.
Result<std::optional<UserRecord>> GetUserByEmail(Transaction& tx, const std::string& email);
/// Up to `limit` users with id > after_id, ascending.
Result<std::vector<UserRecord>> ListUsers(Transaction& tx, std::int64_t after_id, int limit);
Result<std::int64_t> CountUsers(Transaction& tx);
/// Active (not disabled) admins.
Result<std::int64_t> CountActiveAdmins(Transaction& tx);
/// Writes name, role, password_hash, disabled, version and updated_at when the stored version is
/// `expected_version`; false when it is not.
Result<bool> UpdateUser(Transaction& tx, const UserRecord& u, std::int64_t expected_version);
Result<void> DeleteUser(Transaction& tx, std::int64_t id);
Result<void> TouchUserLogin(Transaction& tx, std::int64_t id, std::int64_t now);

struct SessionRecord {
  std::string token_hash;
  std::int64_t user_id = 0;
  std::string csrf_token;
  std::int64_t created_at = 0;
  std::int64_t last_seen_at = 0;
  std::optional<std::int64_t> revoked_at;
};
Result<void> InsertSession(Transaction& tx, const SessionRecord& s);
Result<std::optional<SessionRecord>> GetSession(Transaction& tx, const std::string& token_hash);
Result<void> TouchSession(Transaction& tx, const std::string& token_hash, std::int64_t now);
/// Revokes one session (idempotent).
Result<void> RevokeSession(Transaction& tx, const std::string& token_hash, std::int64_t now);
/// Revokes every live session of a user but the one whose hash is `keep` (when given).
Result<void> RevokeUserSessions(Transaction& tx, std::int64_t user_id, std::int64_t now,
                                const std::string& keep = "");
/// Deletes sessions revoked or last seen before `before` (housekeeping).
Result<void> PruneSessions(Transaction& tx, std::int64_t before);

Result<void> InsertSetupToken(Transaction& tx, const std::string& token_hash, std::int64_t created_at,
                              std::int64_t expires_at);
/// Marks the token used when it exists, is unused and has not expired at `now`; false otherwise.
Result<bool> ConsumeSetupToken(Transaction& tx, const std::string& token_hash, std::int64_t now);

Result<void> RecordLoginFailure(Transaction& tx, const std::string& subject, std::int64_t at);
/// Failures of `subject` at or after `since`, and the oldest of them (for Retry-After).
struct FailureCount {
  std::int64_t count = 0;
  std::int64_t oldest = 0;
};
Result<FailureCount> CountLoginFailures(Transaction& tx, const std::string& subject, std::int64_t since);
Result<void> ClearLoginFailures(Transaction& tx, const std::string& subject);
/// Deletes failures older than `before`.
Result<void> PruneLoginFailures(Transaction& tx, std::int64_t before);

/// An OpenID Connect sign-in in progress.
struct OidcLoginRecord {
  std::string state_hash;  // SHA-256 of the state sent to the provider
  std::string nonce;
  std::string code_verifier;
  std::int64_t created_at = 0;
};
Result<void> InsertOidcLogin(Transaction& tx, const OidcLoginRecord& login);
/// Deletes and answers the sign-in of this state; nullopt when there is none (unknown or spent).
Result<std::optional<OidcLoginRecord>> ConsumeOidcLogin(Transaction& tx, const std::string& state_hash);
/// Deletes sign-ins started before `before`.
Result<void> PruneOidcLogins(Transaction& tx, std::int64_t before);

}  // namespace aurora::store
