#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aurora/result.hpp"
#include "store/database.hpp"

namespace aurora::store {

/// An API key as stored: never the secret, only its SHA-256 (hex).
struct ApiKeyRecord {
  std::int64_t id = 0;
  std::string name;
  std::string scope;   // "admin" or "sdk"
  std::string prefix;  // the first characters of the secret, for people to recognise it
  std::string secret_hash;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> last_used_at;
  std::optional<std::int64_t> revoked_at;
  std::optional<std::string> environment;  // sdk keys: the environment they read
};

Result<std::int64_t> InsertApiKey(Transaction& tx, const ApiKeyRecord& key);
Result<std::vector<ApiKeyRecord>> ListApiKeys(Transaction& tx);
Result<std::optional<ApiKeyRecord>> GetApiKey(Transaction& tx, std::int64_t id);
/// Marks the key revoked at `now` (a revoked key stays revoked); false when there is no such key.
Result<bool> RevokeApiKey(Transaction& tx, std::int64_t id, std::int64_t now);
/// Revokes every active sdk key of `environment` at `now` (the environment is being deleted).
Result<void> RevokeEnvironmentKeys(Transaction& tx, const std::string& environment, std::int64_t now);
Result<void> TouchApiKey(Transaction& tx, std::int64_t id, std::int64_t now);
Result<std::int64_t> CountApiKeys(Transaction& tx);

}  // namespace aurora::store
