#pragma once

// How stored resources look through the API, and engine errors translated into API terms.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "aurora/result.hpp"
#include "engine/model/model.hpp"
#include "jobs/snapshot_builder.hpp"
#include "store/resources.hpp"

namespace aurora::server {

using jobs::LoadStoredConfig;
using jobs::ParameterInEnvironment;
using jobs::SplitParameter;
using jobs::StoredConfig;
using jobs::ToSnapshot;

/// A resource as the API returns it: its body with id, version, createdAt and updatedAt.
nlohmann::ordered_json ResourceJson(const store::Resource& r);

/// A stored parameter state as the API shows it: {"enabled", "defaultValue", "rules"}, each
/// present (null when the stored state lacks it).
nlohmann::ordered_json ParameterStateJson(const nlohmann::json& stored);

/// A parameter as `environment` sees it, with the read-only `environments` summary built from
/// `states` (environment id -> stored state) in the order of `all`.
nlohmann::ordered_json ParameterJson(const store::Resource& definition, const store::Environment& environment,
                                     const std::vector<store::Environment>& all,
                                     const std::map<std::int64_t, nlohmann::json>& states);

/// Translates an engine validation error of a snapshot built by ToSnapshot(config, true) into
/// the API's terms for a write of (kind, id): a path inside that resource becomes a 400 with
/// the resource-relative field (`rules[0].conditions[1].value`); a path in another resource
/// becomes a 409 naming it (the write would break it).
Error MapSnapshotError(const Error& error, const StoredConfig& config, store::Kind kind, std::int64_t id);

}  // namespace aurora::server
