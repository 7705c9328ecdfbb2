#pragma once

// API keys (SPEC §5 "Auth"): admin keys for everything, sdk keys for the read-only SDK routes.
// Secrets are 192 random bits with a readable prefix (aur_admin_…, aur_sdk_…), shown once at
// creation and stored only as SHA-256 hashes. Authentication runs in memory against a cache of
// the active keys, refreshed on every local change and polled every second (other processes).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "aurora/result.hpp"
#include "server/services/clock.hpp"
#include "store/database.hpp"

namespace aurora::server {

enum class Scope { kAdmin, kSdk };
const char* ScopeName(Scope scope);

/// Who made a request.
struct Principal {
  std::int64_t key_id = 0;
  std::string key_name;
  Scope scope = Scope::kAdmin;
  std::string environment;  // sdk keys: the one environment they read; "" for admin keys
  /// "key:<name>", as audit records show it.
  std::string Actor() const { return "key:" + key_name; }
};

/// A newly created key: the only time its secret exists outside the client.
struct CreatedKey {
  std::int64_t id = 0;
  std::string name;
  Scope scope = Scope::kAdmin;
  std::string environment;  // sdk keys
  std::string secret;
  std::int64_t created_at = 0;
  nlohmann::ordered_json ToJson() const;
};

/// Thread-safe.
class KeyService {
 public:
  KeyService(store::Database& db, const Clock& clock, std::string default_environment = "production")
      : db_(db), clock_(clock), default_environment_(std::move(default_environment)) {}
  ~KeyService();

  /// Loads the cache and starts the refresh thread.
  Result<void> Start(std::chrono::milliseconds poll_interval = std::chrono::seconds(1));
  void Stop();

  /// An sdk key reads `environment` ("" = the default one; kInvalidArgument when it does not
  /// exist); an admin key takes none.
  Result<CreatedKey> Create(const std::string& name, Scope scope, const std::string& actor,
                            const std::string& environment = "");
  /// Every key, newest last, without secrets.
  Result<nlohmann::ordered_json> List();
  /// Revokes a key (idempotent); kNotFound for an unknown id.
  Result<void> Revoke(std::int64_t id, const std::string& actor);
  /// With no key at all, creates one admin and one sdk key; the keys created (none otherwise).
  Result<std::vector<CreatedKey>> Bootstrap();

  /// The active key whose secret this is. Compares hashes in constant time; never touches the
  /// database (last-used times are written in batches).
  std::optional<Principal> Authenticate(std::string_view secret) const;

  /// Reloads the active keys from the database.
  Result<void> Refresh();

 private:
  Result<void> FlushLastUsed();

  struct Active {
    std::int64_t id;
    std::string name;
    Scope scope;
    std::string hash;
    std::string environment;
  };
  store::Database& db_;
  const Clock& clock_;
  std::string default_environment_;
  mutable std::mutex mutex_;  // guards active_ and used_
  std::unordered_map<std::string, Active> active_;       // by secret hash
  mutable std::map<std::int64_t, std::int64_t> used_;    // key id -> last use, not yet written
  std::jthread poller_;
};

/// Scope of a key secret from its prefix, or nullopt when it has none of ours.
std::optional<Scope> ScopeOfSecret(std::string_view secret);

}  // namespace aurora::server
