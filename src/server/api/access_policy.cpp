#include "server/api/access_policy.hpp"

#include <array>
#include <string>

namespace aurora::server::api {
namespace {

struct Entry {
  std::string_view method;  // "*": any
  std::string_view pattern;
  Rule rule;
};

// Every management route. Reading is kRead unless listed otherwise; the SDK and open routes are
// matched by path below. Keep in step with RegisterRoutes (tests/server/roles_test.cpp walks
// docs/openapi.yaml against its own expectations).
constexpr std::array kTable = {
    // Content shared by every environment.
    Entry{"POST", "/api/v1/attributes", {Need::kEdit, Target::kGlobal}},
    Entry{"PUT", "/api/v1/attributes/:id", {Need::kEdit, Target::kGlobal}},
    Entry{"PATCH", "/api/v1/attributes/:id", {Need::kEdit, Target::kGlobal}},
    Entry{"DELETE", "/api/v1/attributes/:id", {Need::kEdit, Target::kGlobal}},
    Entry{"POST", "/api/v1/segments", {Need::kEdit, Target::kGlobal}},
    Entry{"PUT", "/api/v1/segments/:id", {Need::kEdit, Target::kGlobal}},
    Entry{"PATCH", "/api/v1/segments/:id", {Need::kEdit, Target::kGlobal}},
    Entry{"DELETE", "/api/v1/segments/:id", {Need::kEdit, Target::kGlobal}},
    // Parameters: the state is per environment.
    Entry{"POST", "/api/v1/parameters", {Need::kEdit, Target::kNewParameter}},
    Entry{"PUT", "/api/v1/parameters/:id", {Need::kEdit, Target::kQueryEnvironment}},
    Entry{"PATCH", "/api/v1/parameters/:id", {Need::kEdit, Target::kQueryEnvironment}},
    Entry{"DELETE", "/api/v1/parameters/:id", {Need::kEdit, Target::kParameterEverywhere}},
    // Experiments belong to one environment.
    Entry{"POST", "/api/v1/experiments", {Need::kEdit, Target::kNewExperiment}},
    Entry{"PUT", "/api/v1/experiments/:id", {Need::kEdit, Target::kExperiment}},
    Entry{"PATCH", "/api/v1/experiments/:id", {Need::kEdit, Target::kExperiment}},
    Entry{"DELETE", "/api/v1/experiments/:id", {Need::kEdit, Target::kExperiment}},
    Entry{"POST", "/api/v1/experiments/:id/start", {Need::kEdit, Target::kExperiment}},
    Entry{"POST", "/api/v1/experiments/:id/pause", {Need::kEdit, Target::kExperiment}},
    Entry{"POST", "/api/v1/experiments/:id/complete", {Need::kEdit, Target::kExperiment}},
    Entry{"POST", "/api/v1/experiments/:id/abort", {Need::kEdit, Target::kExperiment}},
    // Environments: promoting is editing the target; the environments themselves are admin's.
    Entry{"POST", "/api/v1/environments/:name/promote", {Need::kEdit, Target::kPathEnvironment}},
    Entry{"POST", "/api/v1/environments", {Need::kAdmin}},
    Entry{"PUT", "/api/v1/environments/:name", {Need::kAdmin}},
    Entry{"PATCH", "/api/v1/environments/:name", {Need::kAdmin}},
    Entry{"DELETE", "/api/v1/environments/:name", {Need::kAdmin}},
    // Keys and users: admin only, reading too.
    Entry{"*", "/api/v1/keys", {Need::kAdmin}},
    Entry{"*", "/api/v1/keys/:id", {Need::kAdmin}},
    Entry{"*", "/api/v1/users", {Need::kAdmin}},
    Entry{"*", "/api/v1/users/:id", {Need::kAdmin}},
    // Sessions.
    Entry{"POST", "/api/v1/auth/login", {Need::kOpen}},
    Entry{"POST", "/api/v1/auth/setup", {Need::kOpen}},
    Entry{"GET", "/setup", {Need::kOpen}},
    Entry{"GET", "/api/v1/auth/providers", {Need::kOpen}},
    Entry{"GET", "/api/v1/auth/oidc/login", {Need::kOpen}},
    Entry{"GET", "/api/v1/auth/oidc/callback", {Need::kOpen}},
    Entry{"GET", "/api/v1/auth/me", {Need::kSignedIn}},
    Entry{"POST", "/api/v1/auth/logout", {Need::kSignedIn}},
    Entry{"POST", "/api/v1/auth/password", {Need::kSignedIn}},
};

}  // namespace

const char* NeedName(Need need) {
  switch (need) {
    case Need::kOpen: return "open";
    case Need::kSignedIn: return "signed-in";
    case Need::kSdk: return "sdk";
    case Need::kRead: return "viewer";
    case Need::kEdit: return "editor";
    case Need::kAdmin: return "admin";
  }
  return "admin";
}

Rule RuleFor(std::string_view method, std::optional<std::string_view> pattern, std::string_view path) {
  if (path == "/healthz" || path == "/readyz" || path == "/metrics" || path == "/api/openapi.yaml") {
    return {Need::kOpen};
  }
  if (path.starts_with("/api/v1/sdk/") || path == "/api/v1/evaluate" || path.starts_with("/ofrep/")) {
    return {Need::kSdk};
  }
  if (!pattern) return {Need::kAdmin};
  for (const Entry& e : kTable) {
    if ((e.method == "*" || e.method == method) && e.pattern == *pattern) return e.rule;
  }
  if (method == "GET" || method == "HEAD") return {Need::kRead};
  return {Need::kAdmin};
}

}  // namespace aurora::server::api
