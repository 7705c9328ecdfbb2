#pragma once

// People (SPEC §11, docs/security.md): user accounts with roles, password sign-in, sessions, the
// first admin's one-time setup token and failed sign-in throttling. Knows nothing of HTTP: the
// API layer turns cookies into tokens and outcomes into statuses.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aurora/result.hpp"
#include "server/services/clock.hpp"
#include "server/services/password.hpp"
#include "server/services/resource_service.hpp"
#include "store/database.hpp"
#include "store/users.hpp"

namespace aurora::server {

enum class Role { kViewer = 0, kEditor = 1, kAdmin = 2 };
const char* RoleName(Role role);
std::optional<Role> ParseRole(std::string_view text);

/// The session limits and throttling window of SPEC §11.
struct SessionPolicy {
  std::chrono::seconds idle{12 * 3600};
  std::chrono::seconds absolute{7 * 24 * 3600};
  std::chrono::seconds failure_window{15 * 60};
  int max_failures = 10;  // per account and per client address within the window
  std::chrono::seconds setup_token_lifetime{24 * 3600};
  PasswordCost cost;
};

/// A signed-in user, as a request sees it.
struct SessionUser {
  std::int64_t user_id = 0;
  std::string email;
  std::string name;
  Role role = Role::kViewer;
  std::string csrf_token;
  std::string token_hash;
  /// "user:<email>", as audit records show it.
  std::string Actor() const { return "user:" + email; }
};

/// What a sign-in came to. Refused says nothing of why: unknown email, wrong password and
/// disabled account look the same.
struct LoginOutcome {
  enum class Status { kSignedIn, kRefused, kThrottled } status = Status::kRefused;
  std::string token;  // kSignedIn: the session secret for the cookie (shown only here)
  SessionUser user;   // kSignedIn
  std::chrono::seconds retry_after{0};  // kThrottled
};

/// Thread-safe (no state but the database).
class UserService {
 public:
  UserService(store::Database& db, const Clock& clock, SessionPolicy policy = {});

  // --- Accounts (admins, through /api/v1/users or the command line) ---
  /// Body {email, name?, role, password}. kConflict when the email is taken.
  Result<nlohmann::ordered_json> Create(const nlohmann::json& body, const std::string& actor);
  Result<Page> List(const std::string& cursor, int limit);
  Result<nlohmann::ordered_json> Get(std::int64_t id);
  Result<nlohmann::ordered_json> GetByEmail(const std::string& email);
  /// Body with any of {name, role, disabled, password} (and version). A new password or disabling
  /// revokes the user's sessions. The last active admin can be neither demoted nor disabled.
  Result<nlohmann::ordered_json> Update(std::int64_t id, const nlohmann::json& body,
                                        std::optional<std::int64_t> if_match, const std::string& actor);
  /// Deletes the user and their sessions; not the last active admin.
  Result<void> Delete(std::int64_t id, const std::string& actor);
  /// A user's own password change: `current` must match; every other session is revoked.
  Result<void> ChangePassword(const SessionUser& user, std::string_view current, const std::string& next);

  // --- Sessions ---
  /// `address` is the client's address (throttled like the account).
  LoginOutcome Login(std::string_view email, std::string_view password, const std::string& address);
  /// Signs in a user an identity provider vouches for (verified `email`): creates them on first
  /// sign-in with `role` or viewer (audited as `actor`); a later sign-in updates the role when
  /// `role` is given and differs. kNotFound-free: a disabled user gets kConflict ("disabled").
  Result<LoginOutcome> SignInExternal(const std::string& email, const std::string& name, std::optional<Role> role,
                                      const std::string& actor);
  /// The live session whose secret this is (touched at most once a minute), or nullopt.
  std::optional<SessionUser> Authenticate(std::string_view token);
  /// Revokes the session (idempotent).
  Result<void> Logout(const SessionUser& user);

  // --- First start ---
  /// When no user exists: a new one-time setup token (valid policy.setup_token_lifetime);
  /// nullopt when there are users.
  Result<std::optional<std::string>> IssueSetupTokenIfNoUser();
  /// Creates the first admin from the setup token (body {token, email, name?, password}) and
  /// signs them in. kInvalidArgument naming "token" when it is unknown, used, expired, or users
  /// exist already.
  Result<LoginOutcome> CompleteSetup(const nlohmann::json& body);

  const SessionPolicy& policy() const { return policy_; }

 private:
  Result<LoginOutcome> StartSession(const store::UserRecord& user);

  store::Database& db_;
  const Clock& clock_;
  SessionPolicy policy_;
  std::string dummy_hash_;  // verified against when the email is unknown: same cost, same time
};

/// Lower-cased, checked email (kInvalidArgument naming `field`).
Result<std::string> CheckEmail(std::string_view email, const std::string& field);
/// 10..1024 bytes (kInvalidArgument naming `field`).
Result<void> CheckPassword(std::string_view password, const std::string& field);
/// The client address of a peer "1.2.3.4:5678" or "[::1]:5678": without the port.
std::string ClientAddress(std::string_view remote);

}  // namespace aurora::server
