#include "server/api/auth.hpp"

#include <algorithm>

namespace aurora::server::api {

Access AccessFor(std::string_view path) {
  if (path == "/healthz" || path == "/readyz" || path == "/metrics" || path == "/api/openapi.yaml") {
    return Access::kOpen;
  }
  if (path.starts_with("/api/v1/sdk/") || path == "/api/v1/evaluate" || path.starts_with("/ofrep/")) {
    return Access::kSdk;
  }
  return Access::kAdmin;
}

std::optional<std::string_view> PresentedKey(const http::Request& request) {
  if (const auto auth = request.Header("Authorization")) {
    std::string_view v = *auth;
    if (v.size() > 7 && http::EqualsIgnoreCase(v.substr(0, 7), "Bearer ")) {
      v.remove_prefix(7);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      return v;
    }
    return std::string_view();  // another scheme: presented, but not a key of ours
  }
  if (const auto key = request.Header("X-API-Key")) return *key;
  return std::nullopt;
}

std::optional<http::Response> Authorize(const http::Request& request, const KeyService& keys) {
  const Access access = AccessFor(request.path);
  if (access == Access::kOpen) return std::nullopt;
  const auto presented = PresentedKey(request);
  const auto principal = presented ? keys.Authenticate(*presented) : std::nullopt;
  if (!principal) {
    http::Response r = http::Response::JsonError(401, "unauthorized", "a valid API key is required");
    r.SetHeader("WWW-Authenticate", "Bearer realm=\"aurora\"");
    return r;
  }
  if (access == Access::kAdmin && principal->scope != Scope::kAdmin) {
    return http::Response::JsonError(403, "forbidden", "this key's scope does not allow this route");
  }
  if (principal->scope == Scope::kSdk) {
    if (const auto asked = request.Query("environment"); asked && *asked != principal->environment) {
      return http::Response::JsonError(403, "forbidden",
                                       "this sdk key reads environment \"" + principal->environment + "\" only");
    }
  }
  return std::nullopt;
}

std::string RequestEnvironment(const http::Request& request, const KeyService& keys, bool auth_enabled) {
  if (auth_enabled) {
    const auto presented = PresentedKey(request);
    if (presented && ScopeOfSecret(*presented) == Scope::kSdk) {
      if (const auto principal = keys.Authenticate(*presented)) return principal->environment;
    }
  }
  return std::string(request.Query("environment").value_or(""));
}

std::string ActorOf(const http::Request& request, const KeyService& keys, bool auth_enabled) {
  if (!auth_enabled) return "anonymous";
  const auto presented = PresentedKey(request);
  const auto principal = presented ? keys.Authenticate(*presented) : std::nullopt;
  return principal ? principal->Actor() : "anonymous";
}

namespace {
bool Allowed(std::string_view origin, const std::vector<std::string>& origins) {
  return std::any_of(origins.begin(), origins.end(), [&](const std::string& o) { return o == "*" || o == origin; });
}
}  // namespace

void ApplyCors(const http::Request& request, const std::vector<std::string>& origins, http::Response& response) {
  if (origins.empty()) return;
  const auto origin = request.Header("Origin");
  if (!origin || !Allowed(*origin, origins)) return;
  response.SetHeader("Access-Control-Allow-Origin", std::string(*origin));
  response.SetHeader("Access-Control-Expose-Headers", "ETag, Location, X-Request-Id");
  response.SetHeader("Vary", "Origin");
}

std::optional<http::Response> Preflight(const http::Request& request, const std::vector<std::string>& origins) {
  if (request.method != "OPTIONS" || !request.Header("Access-Control-Request-Method")) return std::nullopt;
  http::Response r;
  r.status = 204;
  const auto origin = request.Header("Origin");
  if (!origins.empty() && origin && Allowed(*origin, origins)) {
    r.SetHeader("Access-Control-Allow-Origin", std::string(*origin));
    r.SetHeader("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    r.SetHeader("Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match, If-None-Match, X-API-Key, X-Request-Id");
    r.SetHeader("Access-Control-Max-Age", "600");
    r.SetHeader("Vary", "Origin");
  }
  return r;
}

}  // namespace aurora::server::api
