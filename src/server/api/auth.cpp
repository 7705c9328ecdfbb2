#include "server/api/auth.hpp"

#include <algorithm>
#include <charconv>

#include "engine/codec/json.hpp"
#include "server/api/access_policy.hpp"
#include "server/services/crypto.hpp"

namespace aurora::server::api {
namespace {

// Who a request comes from, once identified.
struct Caller {
  enum class Kind { kKey, kUser, kAnonymous } kind = Kind::kAnonymous;
  Role role = Role::kViewer;
  bool sdk_key = false;
  std::string environment;  // sdk keys: the one they read
  std::optional<SessionUser> session;
  std::string actor;
};

http::Response Unauthorized() {
  http::Response r = http::Response::JsonError(401, "unauthorized", "sign in, or send an API key as `Authorization: Bearer aur_…`");
  r.SetHeader("WWW-Authenticate", "Bearer realm=\"aurora\"");
  return r;
}

http::Response Forbidden(const std::string& message) { return http::Response::JsonError(403, "forbidden", message); }

bool Safe(std::string_view method) { return method == "GET" || method == "HEAD" || method == "OPTIONS"; }

std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// The scheme://host[:port] of an absolute URL (lower-cased scheme and host), or "".
std::string OriginOf(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "";
  const auto host_end = url.find_first_of("/?#", scheme_end + 3);
  std::string out(url.substr(0, host_end));
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The id of the resource named by the path segment after `prefix` (an id or a name, as the
// handlers read it); nullopt when it names nothing (the handler then answers 400 or 404).
std::optional<std::int64_t> PathResource(ResourceService& resources, store::Kind kind, std::string_view path,
                                         std::string_view prefix) {
  if (!path.starts_with(prefix)) return std::nullopt;
  std::string_view rest = path.substr(prefix.size());
  rest = rest.substr(0, rest.find('/'));
  auto id = resources.ResolveId(kind, rest);
  if (!id) return std::nullopt;
  return *id;
}

// The environment of the experiment in the path, "" when it cannot be found.
std::string ExperimentEnvironment(ResourceService& resources, std::string_view path) {
  const auto id = PathResource(resources, store::Kind::kExperiment, path, "/api/v1/experiments/");
  if (!id) return "";
  auto e = resources.Get(store::Kind::kExperiment, *id);
  if (!e || !(*e)["environment"].is_string()) return "";
  return (*e)["environment"].get<std::string>();
}

// The names of the protected environments.
std::vector<std::string> ProtectedEnvironments(ResourceService& resources) {
  std::vector<std::string> out;
  auto page = resources.ListEnvironments();
  if (!page) return out;
  for (const auto& e : page->items) {
    if (e.value("protected", false)) out.push_back(e["name"].get<std::string>());
  }
  return out;
}

// 403 when `environment` ("" = the default one) is protected; an unknown one is the handler's 404.
std::optional<http::Response> RefuseIfProtected(ResourceService& resources, const std::string& environment) {
  auto e = resources.FindEnvironment(environment);
  if (e && e->is_protected) return Forbidden("environment \"" + e->name + "\" is protected: only admins may change it");
  return std::nullopt;
}

// Editors may write only where no protected environment changes.
std::optional<http::Response> CheckProtected(const http::Request& req, Target target, ResourceService& resources) {
  const std::string query_env(req.Query("environment").value_or(""));
  switch (target) {
    case Target::kGlobal:
      return std::nullopt;
    case Target::kQueryEnvironment:
      return RefuseIfProtected(resources, query_env);
    case Target::kPathEnvironment: {
      constexpr std::string_view kPrefix = "/api/v1/environments/";
      std::string_view name = std::string_view(req.path).substr(kPrefix.size());
      name = name.substr(0, name.find('/'));
      if (name.empty()) return std::nullopt;  // not the default environment: the router's 404
      return RefuseIfProtected(resources, std::string(name));
    }
    case Target::kNewExperiment: {
      std::string env = query_env;
      if (env.empty()) {
        auto body = engine::ParseJson(req.body);
        if (body && body->is_object()) {
          const auto it = body->find("environment");
          if (it != body->end() && it->is_string()) env = it->get<std::string>();
        }
      }
      return RefuseIfProtected(resources, env);
    }
    case Target::kExperiment: {
      const std::string env = ExperimentEnvironment(resources, req.path);
      if (env.empty()) return std::nullopt;  // no such experiment: the handler's 404
      return RefuseIfProtected(resources, env);
    }
    case Target::kNewParameter: {
      if (auto refused = RefuseIfProtected(resources, query_env)) return refused;
      // A new parameter lands in every environment with the body's `enabled`, which defaults to
      // true: unless it is explicitly false, it would go live in the protected ones too.
      auto body = engine::ParseJson(req.body);
      if (!body || !body->is_object()) return std::nullopt;  // the handler answers 400
      const auto it = body->find("enabled");
      if (it != body->end() && it->is_boolean() && !it->get<bool>()) return std::nullopt;
      const auto protected_envs = ProtectedEnvironments(resources);
      if (protected_envs.empty()) return std::nullopt;
      return Forbidden("a new parameter starts with the same \"enabled\" (default true) in every environment, and \"" +
                       protected_envs.front() +
                       "\" is protected: create it with \"enabled\": false, then enable it where you may");
    }
    case Target::kParameterEverywhere: {
      const auto id = PathResource(resources, store::Kind::kParameter, req.path, "/api/v1/parameters/");
      if (!id) return std::nullopt;
      auto parameter = resources.Get(store::Kind::kParameter, *id);
      if (!parameter) return std::nullopt;
      for (const std::string& env : ProtectedEnvironments(resources)) {
        const auto& states = (*parameter)["environments"];
        if (states.contains(env) && states[env].value("enabled", false)) {
          return Forbidden("parameter is enabled in protected environment \"" + env +
                           "\": only admins may delete it (or disable it there first)");
        }
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// The answer to "may this caller use a route needing `need`" (before protected environments).
std::optional<http::Response> CheckNeed(const Caller& caller, Need need) {
  if (caller.sdk_key) {
    if (need == Need::kSdk || need == Need::kOpen) return std::nullopt;
    return Forbidden("this key's scope does not allow this route");
  }
  const auto at_least = [&](Role role) { return static_cast<int>(caller.role) >= static_cast<int>(role); };
  switch (need) {
    case Need::kOpen:
    case Need::kSignedIn:
    case Need::kSdk:
    case Need::kRead:
      return std::nullopt;
    case Need::kEdit:
      if (at_least(Role::kEditor)) return std::nullopt;
      return Forbidden("your role (" + std::string(RoleName(caller.role)) + ") may not change this");
    case Need::kAdmin:
      if (at_least(Role::kAdmin)) return std::nullopt;
      return Forbidden("only admins may use this route");
  }
  return Forbidden("only admins may use this route");
}

}  // namespace

std::optional<std::string_view> PresentedKey(const http::Request& request) {
  if (const auto auth = request.Header("Authorization")) {
    std::string_view v = *auth;
    if (v.size() > 7 && http::EqualsIgnoreCase(v.substr(0, 7), "Bearer ")) return Trim(v.substr(7));
    return std::string_view();  // another scheme: presented, but not a key of ours
  }
  if (const auto key = request.Header("X-API-Key")) return *key;
  return std::nullopt;
}

std::optional<std::string_view> SessionToken(const http::Request& request) {
  for (const auto& [name, value] : request.headers) {
    if (!http::EqualsIgnoreCase(name, "Cookie")) continue;
    std::string_view list = value;
    while (!list.empty()) {
      const auto semicolon = list.find(';');
      const std::string_view item = Trim(list.substr(0, semicolon));
      list = semicolon == std::string_view::npos ? std::string_view() : list.substr(semicolon + 1);
      const auto eq = item.find('=');
      if (eq != std::string_view::npos && Trim(item.substr(0, eq)) == kSessionCookie) return Trim(item.substr(eq + 1));
    }
  }
  return std::nullopt;
}

bool SameOrigin(const http::Request& request, std::string_view public_origin) {
  std::string expected(public_origin);
  std::string alternative;
  if (expected.empty()) {
    const auto host = request.Header("Host");
    if (!host || host->empty()) return false;
    std::string h(*host);
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    expected = "http://" + h;
    alternative = "https://" + h;
  }
  const auto matches = [&](const std::string& origin) {
    return !origin.empty() && (origin == expected || (!alternative.empty() && origin == alternative));
  };
  if (const auto origin = request.Header("Origin")) return matches(OriginOf(*origin));
  if (const auto referer = request.Header("Referer")) return matches(OriginOf(*referer));
  return false;
}

std::string SessionCookieHeader(std::string_view token, bool secure, std::chrono::seconds max_age) {
  return std::string(kSessionCookie) + "=" + std::string(token) + "; Path=/; Max-Age=" +
         std::to_string(max_age.count()) + "; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
}

std::string ClearedSessionCookieHeader(bool secure) {
  return std::string(kSessionCookie) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
}

std::optional<http::Response> Admit(http::Request& request, const Gate& gate) {
  const Rule rule = RuleFor(request.method, gate.router.MatchedPattern(request), request.path);

  // Identify: a presented key decides alone (a bad key is refused even beside a good cookie).
  Caller caller;
  bool identified = false;
  if (const auto presented = PresentedKey(request)) {
    const auto principal = gate.keys.Authenticate(*presented);
    if (principal) {
      caller.kind = Caller::Kind::kKey;
      caller.sdk_key = principal->scope == Scope::kSdk;
      caller.role = Role::kAdmin;
      caller.environment = principal->environment;
      caller.actor = principal->Actor();
      identified = true;
    } else if (gate.enabled && rule.need != Need::kOpen) {
      return Unauthorized();
    }
  } else if (const auto token = SessionToken(request)) {
    if (auto session = gate.users.Authenticate(*token)) {
      caller.kind = Caller::Kind::kUser;
      caller.role = session->role;
      caller.actor = session->Actor();
      caller.session = std::move(session);
      identified = true;
    }
  }
  if (!identified) caller.actor = "anonymous";
  request.actor = caller.actor;
  if (!gate.enabled) return std::nullopt;  // auth.enabled: false — development only, everyone may do anything
  if (caller.sdk_key) request.bound_environment = caller.environment;

  // Sign-in and setup take no credentials, but a browser's cross-site POST is refused (login CSRF).
  if (rule.need == Need::kOpen) {
    if (!Safe(request.method) && request.Header("Origin") && !SameOrigin(request, gate.public_origin)) {
      return Forbidden("cross-origin request refused");
    }
    return std::nullopt;
  }
  if (!identified) return Unauthorized();

  // A cookie rides along with every request the browser makes: a state-changing one must prove
  // it comes from our own pages.
  if (caller.session && !Safe(request.method)) {
    if (!SameOrigin(request, gate.public_origin)) {
      return Forbidden("cross-origin request refused: Origin (or Referer) must be this server");
    }
    const auto csrf = request.Header(kCsrfHeader);
    if (!csrf || !ConstantTimeEquals(*csrf, caller.session->csrf_token)) {
      return Forbidden("missing or wrong X-Aurora-CSRF header (take it from GET /api/v1/auth/me)");
    }
  }
  if (auto refused = CheckNeed(caller, rule.need)) return refused;
  if (caller.sdk_key) {
    if (const auto asked = request.Query("environment"); asked && *asked != caller.environment) {
      return Forbidden("this sdk key reads environment \"" + caller.environment + "\" only");
    }
  }
  if (rule.need == Need::kEdit && caller.role == Role::kEditor) {
    if (auto refused = CheckProtected(request, rule.target, gate.resources)) return refused;
  }
  return std::nullopt;
}

std::string RequestEnvironment(const http::Request& request) {
  if (!request.bound_environment.empty()) return request.bound_environment;
  return std::string(request.Query("environment").value_or(""));
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
