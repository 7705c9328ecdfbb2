#pragma once

#include <cstdint>
#include <string>

#include "server/api/metrics.hpp"
#include "server/api/stream.hpp"
#include "server/config/config.hpp"
#include "server/http/router.hpp"
#include "server/log.hpp"
#include "server/services/clock.hpp"
#include "server/services/key_service.hpp"
#include "server/services/resource_service.hpp"
#include "server/services/snapshot_service.hpp"
#include "server/services/oidc_service.hpp"
#include "server/services/user_service.hpp"
#include "store/database.hpp"

namespace aurora::server::api {

/// What the handlers use; owned by the application, outliving the router.
struct ApiContext {
  ResourceService& resources;
  SnapshotService& snapshots;
  Metrics& metrics;
  store::Database& db;
  const Clock& clock;
  const Config& config;
  Logger& log;
  KeyService& keys;
  StreamHub& streams;
  UserService& users;
  OidcService& oidc;
  bool auth_enabled = true;
  std::int64_t latest_migration = 0;
};

/// The snapshot a request reads: its environment's (an sdk key's own, else `?environment=`, else
/// the default one); kNotFound naming an unknown environment, kUnavailable before the first build.
Result<std::shared_ptr<const SnapshotBundle>> BundleOf(ApiContext& context, const http::Request& request);

/// Registers every route of SPEC §5 (docs/openapi.yaml lists them).
void RegisterRoutes(http::Router& router, ApiContext& context);
/// Sign-in, sessions, the first-admin setup and user administration (SPEC §11; people_routes.cpp).
void RegisterPeopleRoutes(http::Router& router, ApiContext& context);

/// The OpenAPI document served at /api/openapi.yaml (docs/openapi.yaml, embedded at build time).
const std::string& OpenApiYaml();

}  // namespace aurora::server::api
