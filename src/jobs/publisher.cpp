#include "jobs/publisher.hpp"

#include <nlohmann/json.hpp>

#include "engine/codec/snapshot_codec.hpp"
#include "engine/compiled_snapshot.hpp"
#include "jobs/snapshot_builder.hpp"

namespace aurora::jobs {

std::string EnvironmentPrefix(const std::string& environment) { return "environments/" + environment + "/"; }

Result<SnapshotFiles> BuildSnapshotFiles(store::Database& db, const std::string& environment, bool is_default) {
  auto tx = db.Begin(false);  // one consistent read (PostgreSQL: REPEATABLE READ)
  if (!tx) return std::move(tx).error();
  auto env = store::GetEnvironment(**tx, environment);
  if (!env) return std::move(env).error();
  if (!*env) return Error{ErrorCode::kNotFound, "environment \"" + environment + "\" not found"};
  auto config = LoadStoredConfig(**tx, **env);
  if (!config) return std::move(config).error();
  tx->reset();
  const engine::Snapshot snapshot = ToSnapshot(*config, false);
  if (auto compiled = engine::CompileSnapshot(snapshot); !compiled) {
    return Error{ErrorCode::kInternal, "revision " + std::to_string(snapshot.revision) +
                                           " does not compile: " + compiled.error().ToString()};
  }
  SnapshotFiles files;
  files.environment = environment;
  files.is_default = is_default;
  files.revision = snapshot.revision;
  if (snapshot.generated_at) files.generated_at = snapshot.generated_at->time_since_epoch().count();
  const auto doc = engine::SnapshotToJson(snapshot);
  files.snapshot = doc.dump();
  files.parameters = nlohmann::ordered_json{{"parameters", doc["parameters"]}}.dump();
  files.experiments = nlohmann::ordered_json{{"experiments", doc["experiments"]}}.dump();
  return files;
}

std::optional<std::int64_t> SnapshotRevision(std::string_view json_text) {
  const auto doc = nlohmann::json::parse(json_text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  const auto it = doc.find("revision");
  if (it == doc.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

}  // namespace aurora::jobs
