#pragma once

// Who may call what (SPEC §5 "Auth") and CORS. Applied in front of the router.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/message.hpp"
#include "server/services/key_service.hpp"

namespace aurora::server::api {

enum class Access { kOpen, kSdk, kAdmin };

/// Open: /healthz, /readyz, /metrics, /api/openapi.yaml. Sdk: /api/v1/sdk/*, /api/v1/evaluate,
/// /ofrep/*. Admin: everything else (an unknown path too, so probing reveals nothing).
Access AccessFor(std::string_view path);

/// The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`.
std::optional<std::string_view> PresentedKey(const http::Request& request);

/// nullopt when the request may proceed; otherwise the 401 (no, unknown or revoked key: the
/// message never says which) or 403 (a valid key of the wrong scope, or an sdk key asking
/// for another environment than its own) response.
std::optional<http::Response> Authorize(const http::Request& request, const KeyService& keys);

/// "key:<id>:<name>" of the request's key, or "anonymous" (auth disabled).
std::string ActorOf(const http::Request& request, const KeyService& keys, bool auth_enabled);

/// The environment a request is about: an sdk key's own; otherwise `?environment=`, or ""
/// (the default environment). Authorize has already refused an sdk key asking for another one.
std::string RequestEnvironment(const http::Request& request, const KeyService& keys, bool auth_enabled);

/// CORS: with `origins` empty (the default) nothing is added. When the request's Origin is
/// listed (or "*" is), adds Access-Control-Allow-Origin and Vary to `response`.
void ApplyCors(const http::Request& request, const std::vector<std::string>& origins, http::Response& response);
/// The answer to a CORS preflight (OPTIONS with Access-Control-Request-Method), or nullopt.
std::optional<http::Response> Preflight(const http::Request& request, const std::vector<std::string>& origins);

}  // namespace aurora::server::api
