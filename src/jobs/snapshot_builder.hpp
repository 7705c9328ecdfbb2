#pragma once

// Stored resources (canonical API bodies) -> the engine's snapshot model: what the server
// validates writes against and what SDKs, S3 and files receive.

#include <utility>
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

/// The fields of a parameter that belong to an environment (its state); the rest of its body
/// (name, description, dataType) is its global definition.
inline constexpr const char* kParameterStateFields[] = {"enabled", "defaultValue", "rules"};

/// A parameter as one environment sees it: its definition with that environment's state merged
/// into the body.
store::Resource ParameterInEnvironment(store::Resource definition, const nlohmann::json& state);

/// A parameter body split into {definition, state} (the inverse of ParameterInEnvironment).
std::pair<nlohmann::json, nlohmann::json> SplitParameter(const nlohmann::json& body);

/// The snapshot model. `all_experiments` keeps experiments of every status (for validation);
/// otherwise only scheduled and running ones, as SDKs receive them (SPEC §4).
engine::Snapshot ToSnapshot(const StoredConfig& config, bool all_experiments);

}  // namespace aurora::jobs
