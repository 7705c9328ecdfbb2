#pragma once

// Stored resources (canonical API bodies) -> the engine's snapshot model: what the server
// validates writes against and what SDKs, S3 and files receive.

#include <vector>

#include "aurora/result.hpp"
#include "engine/model/model.hpp"
#include "store/environments.hpp"
#include "store/resources.hpp"

namespace aurora::jobs {

/// Every stored resource of one environment, read in one transaction: the global attributes,
/// segments and parameter definitions, the parameters' states there and its experiments.
struct StoredConfig {
  std::string environment;
  store::RevisionInfo revision;  // the environment's revision
  std::vector<store::Resource> attributes;
  std::vector<store::Resource> segments;
  std::vector<store::Resource> parameters;
  std::vector<store::Resource> experiments;
};

/// Reads everything of `environment` in `tx` (use a read transaction for one consistent
/// revision). Parameters come with their state in that environment merged into their body.
Result<StoredConfig> LoadStoredConfig(store::Transaction& tx, const store::Environment& environment);

/// A parameter as one environment sees it: its definition (name, description, dataType) with
/// that environment's state (enabled, defaultValue, rules) merged into the body.
store::Resource ParameterInEnvironment(store::Resource definition, const nlohmann::json& state);

/// The snapshot model. `all_experiments` keeps experiments of every status (for validation);
/// otherwise only scheduled and running ones, as SDKs receive them (SPEC §4).
engine::Snapshot ToSnapshot(const StoredConfig& config, bool all_experiments);

}  // namespace aurora::jobs
