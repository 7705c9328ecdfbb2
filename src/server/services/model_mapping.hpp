#pragma once

// Stored resources (canonical API bodies) -> the engine's model, so the server validates and
// serves exactly what the engine evaluates.

#include <string>
#include <vector>

#include "aurora/result.hpp"
#include "engine/model/model.hpp"
#include "store/resources.hpp"

namespace aurora::server {

/// Every stored resource, read in one transaction.
struct StoredConfig {
  store::RevisionInfo revision;
  std::vector<store::Resource> attributes;
  std::vector<store::Resource> segments;
  std::vector<store::Resource> parameters;
  std::vector<store::Resource> experiments;
};

Result<StoredConfig> LoadStoredConfig(store::Transaction& tx);

/// The snapshot model. `all_experiments` keeps experiments of every status (for validation);
/// otherwise only scheduled and running ones, as SDKs receive them (SPEC §4).
engine::Snapshot ToSnapshot(const StoredConfig& config, bool all_experiments);

/// A resource as the API returns it: its body with id, version, createdAt and updatedAt.
nlohmann::ordered_json ResourceJson(const store::Resource& r);

/// Translates an engine validation error of a snapshot built by ToSnapshot(config, true) into
/// the API's terms for a write of (kind, id): a path inside that resource becomes a 400 with
/// the resource-relative field (`rules[0].conditions[1].value`); a path in another resource
/// becomes a 409 naming it (the write would break it).
Error MapSnapshotError(const Error& error, const StoredConfig& config, store::Kind kind, std::int64_t id);

}  // namespace aurora::server
