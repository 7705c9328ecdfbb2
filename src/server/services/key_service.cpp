#include "server/services/key_service.hpp"

#include <condition_variable>

#include "server/services/body.hpp"
#include "server/services/crypto.hpp"
#include "server/services/try.hpp"
#include "store/environments.hpp"
#include "store/keys.hpp"
#include "store/resources.hpp"

namespace aurora::server {
namespace {

constexpr std::string_view kAdminPrefix = "aur_admin_";
constexpr std::string_view kSdkPrefix = "aur_sdk_";
constexpr std::size_t kSecretBytes = 24;  // 192 bits from the OS CSPRNG

std::optional<Scope> ParseScope(std::string_view s) {
  if (s == "admin") return Scope::kAdmin;
  if (s == "sdk") return Scope::kSdk;
  return std::nullopt;
}

nlohmann::ordered_json KeyJson(const store::ApiKeyRecord& k) {
  auto time = [](const std::optional<std::int64_t>& t) {
    return t ? nlohmann::ordered_json(engine::FormatRfc3339(FromMicros(*t))) : nlohmann::ordered_json(nullptr);
  };
  nlohmann::ordered_json j;
  j["id"] = k.id;
  j["name"] = k.name;
  j["scope"] = k.scope;
  j["prefix"] = k.prefix;
  j["environment"] = k.environment ? nlohmann::ordered_json(*k.environment) : nlohmann::ordered_json(nullptr);
  j["createdAt"] = engine::FormatRfc3339(FromMicros(k.created_at));
  j["lastUsedAt"] = time(k.last_used_at);
  j["revokedAt"] = time(k.revoked_at);
  return j;
}

Result<void> Audit(store::Transaction& tx, std::int64_t now, const std::string& actor, const std::string& action,
                   const store::ApiKeyRecord& key, std::optional<nlohmann::json> before,
                   std::optional<nlohmann::json> after) {
  // Key changes are audited but do not move any revision: SDKs see no change. An sdk key's record
  // names its environment at that environment's current revision; an admin key's has neither.
  store::AuditRecord a;
  if (key.environment) {
    AURORA_TRY(env, store::GetEnvironment(tx, *key.environment));
    a.environment = key.environment;
    a.revision = env ? env->revision : 0;
  }
  a.at = now;
  a.actor = actor;
  a.action = action;
  a.kind = store::Kind::kApiKey;
  a.resource_id = key.id;
  a.before = std::move(before);
  a.after = std::move(after);
  return store::AppendAudit(tx, a);
}

}  // namespace

const char* ScopeName(Scope scope) { return scope == Scope::kAdmin ? "admin" : "sdk"; }

std::optional<Scope> ScopeOfSecret(std::string_view secret) {
  if (secret.starts_with(kAdminPrefix)) return Scope::kAdmin;
  if (secret.starts_with(kSdkPrefix)) return Scope::kSdk;
  return std::nullopt;
}

nlohmann::ordered_json CreatedKey::ToJson() const {
  nlohmann::ordered_json j;
  j["id"] = id;
  j["name"] = name;
  j["scope"] = ScopeName(scope);
  j["environment"] = scope == Scope::kSdk ? nlohmann::ordered_json(environment) : nlohmann::ordered_json(nullptr);
  j["key"] = secret;
  j["createdAt"] = engine::FormatRfc3339(FromMicros(created_at));
  return j;
}

KeyService::~KeyService() { Stop(); }

Result<void> KeyService::Start(std::chrono::milliseconds poll_interval) {
  AURORA_CHECK(Refresh());
  poller_ = std::jthread([this, poll_interval](std::stop_token stop) {
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    int ticks = 0;
    while (!stop.stop_requested()) {
      cv.wait_for(lock, stop, poll_interval, [] { return false; });
      if (stop.stop_requested()) break;
      (void)Refresh();
      if (++ticks % 10 == 0) (void)FlushLastUsed();
    }
  });
  return {};
}

void KeyService::Stop() {
  if (poller_.joinable()) {
    poller_.request_stop();
    poller_.join();
    (void)FlushLastUsed();
  }
}

Result<void> KeyService::Refresh() {
  AURORA_TRY(tx, db_.Begin(false));
  AURORA_TRY(keys, store::ListApiKeys(*tx));
  std::unordered_map<std::string, Active> active;
  for (const auto& k : keys) {
    if (k.revoked_at) continue;
    const auto scope = ParseScope(k.scope);
    if (!scope) continue;
    active.emplace(k.secret_hash, Active{k.id, k.name, *scope, k.secret_hash, k.environment.value_or("")});
  }
  std::lock_guard lock(mutex_);
  active_ = std::move(active);
  return {};
}

std::optional<Principal> KeyService::Authenticate(std::string_view secret) const {
  if (!ScopeOfSecret(secret) || secret.size() > 256) return std::nullopt;
  const std::string hash = Sha256Hex(secret);
  std::lock_guard lock(mutex_);
  const auto it = active_.find(hash);
  // The map finds the candidate by hash; the final check compares in constant time.
  if (it == active_.end() || !ConstantTimeEquals(it->second.hash, hash)) return std::nullopt;
  used_[it->second.id] = ToMicros(clock_.Now());
  return Principal{it->second.id, it->second.name, it->second.scope, it->second.environment};
}

Result<void> KeyService::FlushLastUsed() {
  std::map<std::int64_t, std::int64_t> used;
  {
    std::lock_guard lock(mutex_);
    used.swap(used_);
  }
  if (used.empty()) return {};
  AURORA_TRY(tx, db_.Begin(true));
  for (const auto& [id, at] : used) AURORA_CHECK(store::TouchApiKey(*tx, id, at));
  return tx->Commit();
}

namespace {
// Inserts a new key and its audit record inside `tx`.
Result<CreatedKey> InsertKey(store::Transaction& tx, const std::string& raw_name, Scope scope, const std::string& actor,
                             std::int64_t now, const std::string& environment) {
  AURORA_TRY(name, CheckLabel(raw_name, "name"));
  CreatedKey k;
  k.name = name;
  k.scope = scope;
  if (scope == Scope::kSdk) {
    AURORA_TRY(env, store::GetEnvironment(tx, environment));
    if (!env) return Invalid("environment", "unknown environment \"" + environment + "\"");
    k.environment = environment;
  }
  k.secret = std::string(scope == Scope::kAdmin ? kAdminPrefix : kSdkPrefix) + RandomHex(kSecretBytes);
  k.created_at = now;
  store::ApiKeyRecord record;
  record.name = name;
  record.scope = ScopeName(scope);
  // The readable prefix plus 4 secret characters: enough to recognise a key in a list.
  record.prefix = k.secret.substr(0, (scope == Scope::kAdmin ? kAdminPrefix.size() : kSdkPrefix.size()) + 4);
  record.secret_hash = Sha256Hex(k.secret);
  record.created_at = now;
  if (scope == Scope::kSdk) record.environment = environment;
  AURORA_TRY(id, store::InsertApiKey(tx, record));
  k.id = id;
  record.id = id;
  AURORA_CHECK(Audit(tx, now, actor, "create", record, std::nullopt, nlohmann::json(KeyJson(record))));
  return k;
}
}  // namespace

Result<CreatedKey> KeyService::Create(const std::string& name, Scope scope, const std::string& actor,
                                      const std::string& environment) {
  if (scope == Scope::kAdmin && !environment.empty()) {
    return Invalid("environment", "admin keys reach every environment (with ?environment=); only sdk keys have one");
  }
  {
    AURORA_TRY(tx, db_.Begin(true));
    AURORA_TRY(k, InsertKey(*tx, name, scope, actor, ToMicros(clock_.Now()),
                            environment.empty() ? default_environment_ : environment));
    AURORA_CHECK(tx->Commit());
    AURORA_CHECK(Refresh());
    return k;
  }
}

Result<nlohmann::ordered_json> KeyService::List() {
  AURORA_TRY(tx, db_.Begin(false));
  AURORA_TRY(keys, store::ListApiKeys(*tx));
  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  for (const auto& k : keys) items.push_back(KeyJson(k));
  nlohmann::ordered_json page;
  page["items"] = std::move(items);
  page["nextCursor"] = nullptr;  // one page: keys are few
  return page;
}

Result<void> KeyService::Revoke(std::int64_t id, const std::string& actor) {
  const std::int64_t now = ToMicros(clock_.Now());
  {
    AURORA_TRY(tx, db_.Begin(true));
    AURORA_TRY(before, store::GetApiKey(*tx, id));
    if (!before) return Error{ErrorCode::kNotFound, "key " + std::to_string(id) + " not found"};
    if (!before->revoked_at) {
      AURORA_CHECK(store::RevokeApiKey(*tx, id, now));
      AURORA_TRY(after, store::GetApiKey(*tx, id));
      AURORA_CHECK(Audit(*tx, now, actor, "revoke", *after, nlohmann::json(KeyJson(*before)),
                         nlohmann::json(KeyJson(*after))));
    }
    AURORA_CHECK(tx->Commit());
  }
  return Refresh();
}

Result<std::vector<CreatedKey>> KeyService::Bootstrap() {
  std::vector<CreatedKey> created;
  {
    // Under the revision lock, so two processes starting at once create one pair, not two.
    AURORA_TRY(tx, db_.Begin(true));
    AURORA_CHECK(store::LockRevision(*tx));
    AURORA_TRY(count, store::CountApiKeys(*tx));
    if (count > 0) return created;
    const std::int64_t now = ToMicros(clock_.Now());
    AURORA_TRY(admin, InsertKey(*tx, "bootstrap admin", Scope::kAdmin, "system", now, ""));
    AURORA_TRY(sdk, InsertKey(*tx, "bootstrap sdk", Scope::kSdk, "system", now, default_environment_));
    AURORA_CHECK(tx->Commit());
    created.push_back(std::move(admin));
    created.push_back(std::move(sdk));
  }
  AURORA_CHECK(Refresh());
  return created;
}

}  // namespace aurora::server
