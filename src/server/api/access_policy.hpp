#pragma once

// The one table of who may call what (SPEC §11, docs/security.md): for every route, the least
// role it needs and which environment a write lands in, so that protected environments stay
// admin-only. Pure data: the gate in auth.cpp applies it in front of every handler.

#include <optional>
#include <string_view>

namespace aurora::server::api {

/// The least a caller needs. Roles are ordered viewer < editor < admin; an admin API key acts as
/// an admin, an sdk key may call kSdk routes only.
enum class Need {
  kOpen,      // anyone: health, metrics, the OpenAPI document, sign-in and first-admin setup
  kSignedIn,  // any authenticated caller: /auth/me, /auth/logout, /auth/password
  kSdk,       // sdk keys (their own environment), and every role
  kRead,      // viewer: read everything but users and keys
  kEdit,      // editor: write content, in environments that are not protected
  kAdmin,     // admin: environments, users, keys, and any protected environment
};

/// Where a kEdit route writes, for the protected-environment check (editors only).
enum class Target {
  kGlobal,               // attributes and segments: shared definitions, no environment
  kQueryEnvironment,     // a parameter's state: ?environment= (default: the default one)
  kPathEnvironment,      // promote: /environments/{name}/promote
  kNewExperiment,        // POST /experiments: ?environment= or the body's "environment"
  kExperiment,           // /experiments/{id}[/action]: the stored experiment's environment
  kNewParameter,         // POST /parameters: ?environment=; an enabled one also lands enabled everywhere
  kParameterEverywhere,  // DELETE /parameters/{id}: removes it from every environment
};

struct Rule {
  Need need = Need::kAdmin;
  Target target = Target::kGlobal;
};

/// The rule of a request: `pattern` is the router's matched pattern (nullopt when none matches:
/// such requests need an admin, so probing reveals nothing), `path` the request path.
Rule RuleFor(std::string_view method, std::optional<std::string_view> pattern, std::string_view path);

const char* NeedName(Need need);

}  // namespace aurora::server::api
