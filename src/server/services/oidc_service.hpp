#pragma once

// OpenID Connect sign-in (SPEC §11 "should", docs/security.md): the authorization code flow with
// PKCE (S256) against `auth.oidc.issuer`. The issuer's discovery document and key set are fetched
// with libcurl and cached; ID tokens are verified with OpenSSL (jwt.hpp). A user is created on
// first sign-in with the role of `auth.oidc.roleClaim`, or viewer.

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aurora/result.hpp"
#include "server/services/clock.hpp"
#include "server/services/user_service.hpp"
#include "store/database.hpp"

namespace aurora::server {

struct OidcSettings {
  std::string issuer;         // "" = OIDC off
  std::string client_id;
  std::string client_secret;
  std::string role_claim;     // a top-level claim holding viewer|editor|admin (or a list of them)
  std::string scopes = "openid email profile";
  std::string redirect_uri;   // <server.publicUrl>/api/v1/auth/oidc/callback
  std::chrono::seconds login_lifetime{600};  // how long a started sign-in may take
  std::chrono::milliseconds http_timeout{5000};
};

/// Thread-safe.
class OidcService {
 public:
  OidcService(store::Database& db, const Clock& clock, UserService& users, OidcSettings settings);

  bool enabled() const { return !settings_.issuer.empty(); }

  /// Starts a sign-in: stores a fresh state, nonce and PKCE verifier, and answers the URL of the
  /// issuer's authorization endpoint to send the browser to. kUnavailable when the issuer cannot
  /// be reached.
  Result<std::string> BeginLogin();

  /// Completes a sign-in from the callback's `code` and `state`: spends the state, exchanges the
  /// code (with the verifier), verifies the ID token, finds or creates the user and starts a
  /// session. kInvalidArgument for an unknown, used or expired state, a refused code or token, or
  /// an unusable identity (no verified email); kUnavailable when the issuer cannot be reached.
  Result<LoginOutcome> CompleteLogin(std::string_view code, std::string_view state);

 private:
  Result<nlohmann::json> Discovery();
  Result<nlohmann::json> Keys(bool refresh);

  store::Database& db_;
  const Clock& clock_;
  UserService& users_;
  OidcSettings settings_;
  std::mutex mutex_;  // guards the caches
  std::optional<nlohmann::json> discovery_;
  std::optional<nlohmann::json> keys_;
  std::chrono::steady_clock::time_point keys_fetched_{};
};

/// The role a claim value grants: the highest of viewer|editor|admin found in a string or a
/// list of strings; nullopt when there is none.
std::optional<Role> RoleFromClaim(const nlohmann::json& value);

}  // namespace aurora::server
