#pragma once

// The OpenFeature Remote Evaluation Protocol (OFREP 0.3.0): any OpenFeature SDK with a generic
// OFREP provider evaluates Aurora parameters as flags. docs/ofrep.md describes the mapping
// (context → attributes, Aurora reasons → OpenFeature reasons, variants, metadata, errors).

#include "server/api/routes.hpp"

namespace aurora::server::api {

/// Registers POST /ofrep/v1/evaluate/flags/:key (one flag) and POST /ofrep/v1/evaluate/flags
/// (every flag, with ETag / If-None-Match → 304). Both only read the current snapshot.
void RegisterOfrepRoutes(http::Router& router, ApiContext& context);

}  // namespace aurora::server::api
