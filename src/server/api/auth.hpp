#pragma once

// Who is calling and may they (SPEC §5 "Auth", §11): API keys and session cookies identify the
// caller; the access policy (access_policy.hpp) decides; CSRF and protected environments are
// checked here, in front of the router, so no handler authorizes on its own. Also CORS.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/message.hpp"
#include "server/http/router.hpp"
#include "server/services/key_service.hpp"
#include "server/services/resource_service.hpp"
#include "server/services/user_service.hpp"

namespace aurora::server::api {

inline constexpr std::string_view kSessionCookie = "aurora_session";
inline constexpr std::string_view kCsrfHeader = "X-Aurora-CSRF";

/// What the gate needs; owned by the application.
struct Gate {
  const KeyService& keys;
  UserService& users;
  ResourceService& resources;
  const http::Router& router;
  bool enabled = true;            // auth.enabled
  std::string public_origin;      // scheme://host[:port] of server.publicUrl; "" = judge by Host
};

/// The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`.
std::optional<std::string_view> PresentedKey(const http::Request& request);
/// The value of the `aurora_session` cookie, if sent.
std::optional<std::string_view> SessionToken(const http::Request& request);

/// Identifies the caller (an API key when one is presented, else the session cookie), sets
/// request.actor and request.bound_environment, and applies the access policy, the CSRF rules
/// and protected environments. nullopt: proceed to the router. Otherwise the refusal: 401 (no,
/// unknown, revoked or expired credentials: the message never says which) or 403 `forbidden`.
std::optional<http::Response> Admit(http::Request& request, const Gate& gate);

/// Whether the request's Origin (else Referer) is the server's own: `public_origin` when set,
/// else http(s)://<Host>. False when neither header is sent.
bool SameOrigin(const http::Request& request, std::string_view public_origin);

/// Set-Cookie values for a new session and for signing out.
std::string SessionCookieHeader(std::string_view token, bool secure, std::chrono::seconds max_age);
std::string ClearedSessionCookieHeader(bool secure);

/// The environment a request is about: an sdk key's own; otherwise `?environment=`, or ""
/// (the default environment). Admit has already refused an sdk key asking for another one.
std::string RequestEnvironment(const http::Request& request);

/// CORS: with `origins` empty (the default) nothing is added. When the request's Origin is
/// listed (or "*" is), adds Access-Control-Allow-Origin and Vary to `response`.
void ApplyCors(const http::Request& request, const std::vector<std::string>& origins, http::Response& response);
/// The answer to a CORS preflight (OPTIONS with Access-Control-Request-Method), or nullopt.
std::optional<http::Response> Preflight(const http::Request& request, const std::vector<std::string>& origins);

}  // namespace aurora::server::api
