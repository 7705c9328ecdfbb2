#pragma once

// API body -> canonical stored resource, per kind: field checks, name rules, typed values,
// reference resolution (ids and names to both), server-assigned ids. Whole-configuration
// validity (operators, regexes, allocations...) is the engine's job, run by the service after.

#include <nlohmann/json.hpp>

#include "aurora/result.hpp"
#include "store/resources.hpp"

namespace aurora::server {

struct Normalized {
  store::Resource resource;  // name, body, kind-specific columns; id/version/times untouched
  store::References references;
};

/// `existing` is null on create. Read-only fields must already be removed from `input`, except
/// an experiment's `status`, which the caller checks.
Result<Normalized> Normalize(store::Kind kind, const nlohmann::json& input, const store::Resource* existing,
                             store::Transaction& tx);

}  // namespace aurora::server
