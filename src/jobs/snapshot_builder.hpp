#pragma once

// Stored resources (canonical API bodies) -> the engine's snapshot model: what the server
// validates writes against and what SDKs, S3 and files receive.

#include <vector>

#include "aurora/result.hpp"
#include "engine/model/model.hpp"
#include "store/resources.hpp"

namespace aurora::jobs {

/// Every stored resource, read in one transaction.
struct StoredConfig {
  store::RevisionInfo revision;
  std::vector<store::Resource> attributes;
  std::vector<store::Resource> segments;
  std::vector<store::Resource> parameters;
  std::vector<store::Resource> experiments;
};

/// Reads everything in `tx` (use a read transaction for one consistent revision).
Result<StoredConfig> LoadStoredConfig(store::Transaction& tx);

/// The snapshot model. `all_experiments` keeps experiments of every status (for validation);
/// otherwise only scheduled and running ones, as SDKs receive them (SPEC §4).
engine::Snapshot ToSnapshot(const StoredConfig& config, bool all_experiments);

}  // namespace aurora::jobs
