// The role × route × environment table (SPEC §11), walked from the outside: every operation of
// docs/openapi.yaml is called by every kind of caller — nobody, an sdk key, a viewer, an editor,
// an admin (signed in), an admin key — with production protected, and each answer is checked
// against this file's own expectations (written from SPEC §11, not from the server's table).

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <regex>
#include <set>

#include "server/server_fixture.hpp"

namespace aurora::testing {
namespace {

using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

// What SPEC §11 says each operation needs. "editor*" is an editor route that writes production
// (protected in this test), so editors get 403 there too.
const std::map<std::string, std::string>& Expected() {
  static const std::map<std::string, std::string> table = {
      {"GET /healthz", "open"},
      {"GET /readyz", "open"},
      {"GET /metrics", "open"},
      {"GET /api/openapi.yaml", "open"},
      {"GET /setup", "open"},
      {"POST /api/v1/auth/login", "open"},
      {"POST /api/v1/auth/setup", "open"},
      {"GET /api/v1/auth/providers", "open"},
      {"GET /api/v1/auth/oidc/login", "open"},
      {"GET /api/v1/auth/oidc/callback", "open"},
      {"GET /api/v1/auth/me", "signed-in"},
      {"POST /api/v1/auth/logout", "signed-in"},
      {"POST /api/v1/auth/password", "signed-in"},
      {"GET /api/v1/sdk/config", "sdk"},
      {"GET /api/v1/sdk/metadata", "sdk"},
      {"GET /api/v1/sdk/stream", "sdk"},
      {"POST /api/v1/sdk/parameters", "sdk"},
      {"POST /api/v1/sdk/experiments", "sdk"},
      {"POST /api/v1/evaluate", "sdk"},
      {"POST /ofrep/v1/evaluate/flags", "sdk"},
      {"POST /ofrep/v1/evaluate/flags/{key}", "sdk"},
      {"GET /api/v1/audit", "viewer"},
      {"GET /api/v1/jobs", "viewer"},
      {"GET /api/v1/environments", "viewer"},
      {"GET /api/v1/environments/{name}", "viewer"},
      {"GET /api/v1/environments/{name}/diff", "viewer"},
      {"POST /api/v1/environments/{name}/promote", "editor*"},  // into production
      {"POST /api/v1/environments", "admin"},
      {"PUT /api/v1/environments/{name}", "admin"},
      {"PATCH /api/v1/environments/{name}", "admin"},
      {"DELETE /api/v1/environments/{name}", "admin"},
      {"GET /api/v1/keys", "admin"},
      {"POST /api/v1/keys", "admin"},
      {"DELETE /api/v1/keys/{id}", "admin"},
      {"GET /api/v1/users", "admin"},
      {"POST /api/v1/users", "admin"},
      {"GET /api/v1/users/{id}", "admin"},
      {"PATCH /api/v1/users/{id}", "admin"},
      {"DELETE /api/v1/users/{id}", "admin"},
      {"GET /api/v1/attributes", "viewer"},
      {"POST /api/v1/attributes", "editor"},
      {"GET /api/v1/attributes/{id}", "viewer"},
      {"PUT /api/v1/attributes/{id}", "editor"},
      {"PATCH /api/v1/attributes/{id}", "editor"},
      {"DELETE /api/v1/attributes/{id}", "editor"},
      {"GET /api/v1/segments", "viewer"},
      {"POST /api/v1/segments", "editor"},
      {"GET /api/v1/segments/{id}", "viewer"},
      {"PUT /api/v1/segments/{id}", "editor"},
      {"PATCH /api/v1/segments/{id}", "editor"},
      {"DELETE /api/v1/segments/{id}", "editor"},
      {"GET /api/v1/parameters", "viewer"},
      {"POST /api/v1/parameters", "editor*"},          // no ?environment=: production
      {"GET /api/v1/parameters/{id}", "viewer"},
      {"PUT /api/v1/parameters/{id}", "editor*"},
      {"PATCH /api/v1/parameters/{id}", "editor*"},
      {"DELETE /api/v1/parameters/{id}", "editor*"},   // enabled in production
      {"GET /api/v1/experiments", "viewer"},
      {"POST /api/v1/experiments", "editor*"},
      {"GET /api/v1/experiments/{id}", "viewer"},
      {"PUT /api/v1/experiments/{id}", "editor*"},     // the experiment is production's
      {"PATCH /api/v1/experiments/{id}", "editor*"},
      {"DELETE /api/v1/experiments/{id}", "editor*"},
      {"POST /api/v1/experiments/{id}/start", "editor*"},
      {"POST /api/v1/experiments/{id}/pause", "editor*"},
      {"POST /api/v1/experiments/{id}/complete", "editor*"},
      {"POST /api/v1/experiments/{id}/abort", "editor*"},
  };
  return table;
}

struct Caller {
  std::string name;
  Headers read, write;
  bool session = false;
};

class RolesTest : public KeyedServerTest {
 protected:
  std::string SignIn(const std::string& email, const std::string& role) {
    auto r = server().Post("/api/v1/users",
                           json{{"email", email}, {"role", role}, {"password", "a long enough password"}}.dump(),
                           Bearer(admin_));
    EXPECT_EQ(r.status, 201) << r.body;
    r = server().Post("/api/v1/auth/login", json{{"email", email}, {"password", "a long enough password"}}.dump());
    EXPECT_EQ(r.status, 204) << r.body;
    std::smatch m;
    const std::string cookie = r.Header("set-cookie");
    EXPECT_TRUE(std::regex_search(cookie, m, std::regex("aurora_session=([0-9a-f]+)")));
    return m[1];
  }

  Caller SessionCaller(const std::string& name, const std::string& token) {
    const Headers cookie = {{"Cookie", "aurora_session=" + token}};
    const std::string csrf = server().Get("/api/v1/auth/me", cookie).Json().value("csrfToken", "");
    Headers write = cookie;
    write.emplace_back("Origin", "http://127.0.0.1");
    write.emplace_back("X-Aurora-CSRF", csrf);
    return {name, cookie, write, true};
  }
};

TEST_P(RolesTest, EveryDocumentedRouteAnswersEveryRoleAsSpecified) {
  // Production protected, staging not; content in production that editors must not touch.
  auto r = server().Post("/api/v1/environments", R"({"name":"staging","copyFrom":"production"})", Bearer(admin_));
  ASSERT_EQ(r.status, 201) << r.body;
  r = server().Patch("/api/v1/environments/production", R"({"protected":true,"version":1})", Bearer(admin_));
  ASSERT_EQ(r.status, 200) << r.body;
  std::map<std::string, std::int64_t> ids;
  r = server().Post("/api/v1/attributes", R"({"name":"user_id","dataType":"string"})", Bearer(admin_));
  ids["attributes"] = r.Json()["id"];
  r = server().Post("/api/v1/segments",
                    R"({"name":"staff","rules":[{"name":"one","conditions":[{"attribute":"user_id","operator":"in","value":"1"}]}]})",
                    Bearer(admin_));
  ASSERT_EQ(r.status, 201) << r.body;
  ids["segments"] = r.Json()["id"];
  r = server().Post("/api/v1/parameters", R"({"name":"checkout","dataType":"boolean","defaultValue":false,"enabled":true})",
                    Bearer(admin_));
  ASSERT_EQ(r.status, 201) << r.body;
  ids["parameters"] = r.Json()["id"];
  r = server().Post("/api/v1/experiments",
                    R"({"name":"exp","hashAttribute":"user_id","variants":[)"
                    R"({"name":"A","trafficAllocation":50,"parameters":[{"parameterName":"checkout","rolloutValue":true}]},)"
                    R"({"name":"B","trafficAllocation":50,"parameters":[{"parameterName":"checkout","rolloutValue":false}]}]})",
                    Bearer(admin_));
  ASSERT_EQ(r.status, 201) << r.body;
  ids["experiments"] = r.Json()["id"];

  std::vector<Caller> callers;
  callers.push_back({"nobody", {}, {}, false});
  callers.push_back({"sdk key", Bearer(sdk_), Bearer(sdk_), false});
  callers.push_back(SessionCaller("viewer", SignIn("viewer@example.com", "viewer")));
  callers.push_back(SessionCaller("editor", SignIn("editor@example.com", "editor")));
  callers.push_back(SessionCaller("admin", SignIn("admin@example.com", "admin")));
  callers.push_back({"admin key", Bearer(admin_), Bearer(admin_), false});

  // The stream never ends: only its first answer line counts (checked
  // before the walk signs everybody out).
  for (const Caller& caller : callers) {
    const auto result = Http(server().port(), "GET", "/api/v1/sdk/stream", "", caller.read, std::chrono::milliseconds(700));
    SCOPED_TRACE("stream as " + caller.name);
    if (caller.name == "nobody") {
      EXPECT_EQ(result.status, 401);
    } else {
      EXPECT_EQ(result.status, 200);
    }
  }

  // The documented operations (planned ones are not served yet).
  const YAML::Node doc = YAML::LoadFile(AURORA_OPENAPI_PATH);
  std::vector<std::pair<std::string, std::string>> operations;  // (method, path template)
  for (const auto& path : doc["paths"]) {
    for (const char* method : {"get", "post", "put", "patch", "delete"}) {
      const YAML::Node op = path.second[method];
      if (!op.IsDefined()) continue;
      if (op["x-aurora-status"].IsDefined() && op["x-aurora-status"].as<std::string>() == "planned") continue;
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      operations.emplace_back(upper, path.first.as<std::string>());
    }
  }
  // Signing out last: it ends the sessions the walk uses.
  std::stable_partition(operations.begin(), operations.end(),
                        [](const auto& op) { return op.second != "/api/v1/auth/logout"; });
  std::set<std::string> seen;
  for (const auto& [method, templ] : operations) {
    const std::string key = method + " " + templ;
    seen.insert(key);
    const auto expected = Expected().find(key);
    ASSERT_NE(expected, Expected().end()) << key << " is documented but this test has no expectation for it";
    const std::string& need = expected->second;
    for (const Caller& caller : callers) {
      const bool admin = caller.name == "admin" || caller.name == "admin key";
      // Concrete paths: real resources, except where an admin's call would destroy what later
      // calls rely on (deletes, lifecycle actions): admins get an id that does not exist.
      std::string path = templ;
      const bool destructive = method == "DELETE" || templ.ends_with("/start") || templ.ends_with("/pause") ||
                               templ.ends_with("/complete") || templ.ends_with("/abort");
      std::smatch m;
      if (std::regex_search(templ, m, std::regex("^/api/v1/(\\w+)/\\{id\\}"))) {
        const auto it = ids.find(m[1]);
        const std::int64_t id = (it == ids.end() || (admin && destructive)) ? 999999 : it->second;
        path = std::regex_replace(path, std::regex("\\{id\\}"), std::to_string(id));
      }
      const bool environment_write = method != "GET" && templ.starts_with("/api/v1/environments/{name}") &&
                                     !templ.ends_with("/promote");
      path = std::regex_replace(path, std::regex("\\{name\\}"), environment_write ? "nope" : "production");
      path = std::regex_replace(path, std::regex("\\{key\\}"), "checkout");
      if (templ.ends_with("/diff")) path += "?from=staging";
      std::string body;
      if (method == "POST" || method == "PUT" || method == "PATCH") body = "{}";
      if (templ.ends_with("/promote")) body = R"({"from":"staging","dryRun":true})";
      if (templ.starts_with("/api/v1/experiments/{id}/")) body = "";
      if (templ == "/api/v1/sdk/stream") continue;  // checked below: it never ends
      const auto result = Http(server().port(), method, path, body, method == "GET" ? caller.read : caller.write);
      SCOPED_TRACE(key + " as " + caller.name + " -> " + std::to_string(result.status) + " " + result.body.substr(0, 200));
      ASSERT_NE(result.status, 0);
      const bool refused = result.status == 401 || result.status == 403;
      if (need == "open") {
        EXPECT_FALSE(refused);
        continue;
      }
      if (caller.name == "nobody") {
        EXPECT_EQ(result.status, 401);
        continue;
      }
      if (caller.name == "sdk key") {
        if (need == "sdk") {
          EXPECT_FALSE(refused);
        } else {
          EXPECT_EQ(result.status, 403);
        }
        continue;
      }
      bool allowed = true;
      if (need == "admin") allowed = admin;
      if (need == "editor") allowed = caller.name != "viewer";
      if (need == "editor*") allowed = admin;
      if (allowed) {
        EXPECT_FALSE(refused);
      } else {
        EXPECT_EQ(result.status, 403);
        EXPECT_EQ(result.Json()["error"]["code"], "forbidden");
      }
    }
  }
  for (const auto& [key, need] : Expected()) {
    EXPECT_TRUE(seen.contains(key)) << key << " is expected here but not documented in docs/openapi.yaml";
  }
}

AURORA_SERVER_TEST_SUITE(RolesTest);

}  // namespace
}  // namespace aurora::testing
