// Auth (SPEC §5): the scope matrix over every route, the key lifecycle, audit actors, CORS.

#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "server/server_fixture.hpp"
#include "server/services/crypto.hpp"

namespace aurora::testing {
namespace {

using nlohmann::json;

class AuthTest : public KeyedServerTest {};

TEST_P(AuthTest, FirstStartCreatesOneAdminAndOneSdkKeyAndPrintsThemOnce) {
  EXPECT_EQ(admin_.size(), std::string("aur_admin_").size() + 48);  // 192 random bits in hex
  EXPECT_EQ(sdk_.size(), std::string("aur_sdk_").size() + 48);
  const auto keys = server().Get("/api/v1/keys", Bearer(admin_));
  ASSERT_EQ(keys.status, 200) << keys.body;
  ASSERT_EQ(keys.Json()["items"].size(), 2u);
  EXPECT_EQ(keys.body.find(admin_), std::string::npos);  // never the secret again
  EXPECT_EQ(keys.body.find(sdk_.substr(12)), std::string::npos);
  // A restart creates no more keys and prints none.
  ASSERT_EQ(server().Stop(), 0);
  StartServer({{"AUTH_ENABLED", "true"}});
  EXPECT_EQ(server().log().find("aur_admin_"), std::string::npos);
  EXPECT_EQ(server().Get("/api/v1/keys", Bearer(admin_)).Json()["items"].size(), 2u);
}

TEST_P(AuthTest, EveryRouteAnswersByScope) {
  // (method, path, body, access): "open", "sdk" (sdk and admin keys) or "admin".
  struct Route {
    std::string method, path, body, access;
  };
  std::vector<Route> routes = {
      {"GET", "/healthz", "", "open"},
      {"GET", "/readyz", "", "open"},
      {"GET", "/metrics", "", "open"},
      {"GET", "/api/openapi.yaml", "", "open"},
      {"GET", "/api/v1/sdk/config", "", "sdk"},
      {"GET", "/api/v1/sdk/metadata", "", "sdk"},
      {"POST", "/api/v1/sdk/parameters", "{}", "sdk"},
      {"POST", "/api/v1/sdk/experiments", "{}", "sdk"},
      {"POST", "/api/v1/evaluate", R"({"parameters":[],"attributes":{}})", "sdk"},
      {"GET", "/api/v1/audit", "", "admin"},
      {"GET", "/api/v1/keys", "", "admin"},
      {"POST", "/api/v1/keys", R"({"name":"x","scope":"sdk"})", "admin"},
      {"DELETE", "/api/v1/keys/999", "", "admin"},
      {"GET", "/api/v1/environments", "", "admin"},
      {"POST", "/api/v1/environments", "{}", "admin"},
      {"GET", "/api/v1/environments/nope", "", "admin"},
      {"PUT", "/api/v1/environments/nope", R"({"version":1})", "admin"},
      {"PATCH", "/api/v1/environments/nope", R"({"version":1})", "admin"},
      {"DELETE", "/api/v1/environments/nope", "", "admin"},
      {"GET", "/api/v1/environments/production/diff?from=production", "", "admin"},
      {"POST", "/api/v1/environments/production/promote", R"({"from":"nope"})", "admin"},
      {"GET", "/nope", "", "admin"},
  };
  for (const char* plural : {"attributes", "segments", "parameters", "experiments"}) {
    const std::string base = std::string("/api/v1/") + plural;
    routes.push_back({"GET", base, "", "admin"});
    routes.push_back({"POST", base, "{}", "admin"});
    routes.push_back({"GET", base + "/999", "", "admin"});
    routes.push_back({"PUT", base + "/999", R"({"version":1})", "admin"});
    routes.push_back({"PATCH", base + "/999", R"({"version":1})", "admin"});
    routes.push_back({"DELETE", base + "/999", "", "admin"});
  }
  for (const char* action : {"start", "pause", "complete", "abort"}) {
    routes.push_back({"POST", std::string("/api/v1/experiments/999/") + action, "", "admin"});
  }
  // A revoked key, to check it is refused everywhere.
  const auto created = server().Post("/api/v1/keys", R"({"name":"temp","scope":"admin"})", Bearer(admin_));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string revoked = created.Json()["key"];
  ASSERT_EQ(Http(server().port(), "DELETE", "/api/v1/keys/" + std::to_string(created.Json()["id"].get<int>()), "",
                 Bearer(admin_)).status, 204);

  for (const Route& r : routes) {
    SCOPED_TRACE(r.method + " " + r.path);
    const auto call = [&](const std::vector<std::pair<std::string, std::string>>& headers) {
      return Http(server().port(), r.method, r.path, r.body, headers).status;
    };
    const int none = call({});
    const int bad = call(Bearer("aur_admin_" + std::string(48, '0')));
    const int other_scheme = call({{"Authorization", "Basic YWRtaW46YWRtaW4="}});
    const int with_revoked = call(Bearer(revoked));
    const int with_sdk = call(Bearer(sdk_));
    const int with_admin = call(Bearer(admin_));
    if (r.access == "open") {
      EXPECT_NE(none, 401);
      EXPECT_NE(none, 403);
      EXPECT_EQ(none, with_admin);
      continue;
    }
    EXPECT_EQ(none, 401);
    EXPECT_EQ(bad, 401);
    EXPECT_EQ(other_scheme, 401);
    EXPECT_EQ(with_revoked, 401);
    EXPECT_NE(with_admin, 401);
    EXPECT_NE(with_admin, 403);
    if (r.access == "sdk") {
      EXPECT_NE(with_sdk, 401);
      EXPECT_NE(with_sdk, 403);
    } else {
      EXPECT_EQ(with_sdk, 403);
    }
  }
}

TEST_P(AuthTest, RefusalsSayNothingAboutWhetherAKeyExists) {
  const auto missing = server().Get("/api/v1/parameters");
  const auto wrong = server().Get("/api/v1/parameters", Bearer("aur_admin_" + std::string(48, 'f')));
  const auto garbage = server().Get("/api/v1/parameters", Bearer("hello"));
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.body, wrong.body);
  EXPECT_EQ(missing.body, garbage.body);
  EXPECT_EQ(missing.Json()["error"]["code"], "unauthorized");
  EXPECT_EQ(server().Get("/api/v1/parameters", Bearer(sdk_)).Json()["error"]["code"], "forbidden");
  // X-API-Key works as well as Bearer.
  EXPECT_EQ(server().Get("/api/v1/sdk/config", {{"X-API-Key", sdk_}}).status, 200);
}

TEST_P(AuthTest, KeysAreCreatedListedAndRevoked) {
  auto r = server().Post("/api/v1/keys", R"({"name":"ci pipeline","scope":"sdk"})", Bearer(admin_));
  ASSERT_EQ(r.status, 201);
  const json created = r.Json();
  EXPECT_EQ(created["scope"], "sdk");
  const std::string secret = created["key"];
  EXPECT_TRUE(secret.starts_with("aur_sdk_"));
  EXPECT_EQ(server().Get("/api/v1/sdk/config", Bearer(secret)).status, 200);
  const json list = server().Get("/api/v1/keys", Bearer(admin_)).Json();
  ASSERT_EQ(list["items"].size(), 3u);
  EXPECT_EQ(list["items"][2]["name"], "ci pipeline");
  EXPECT_TRUE(list["items"][2]["revokedAt"].is_null());
  EXPECT_EQ(list["items"][2]["prefix"], secret.substr(0, 12));
  const std::string path = "/api/v1/keys/" + std::to_string(created["id"].get<int>());
  EXPECT_EQ(Http(server().port(), "DELETE", path, "", Bearer(admin_)).status, 204);
  EXPECT_EQ(server().Get("/api/v1/sdk/config", Bearer(secret)).status, 401);
  EXPECT_EQ(Http(server().port(), "DELETE", path, "", Bearer(admin_)).status, 204);  // idempotent
  EXPECT_EQ(Http(server().port(), "DELETE", "/api/v1/keys/4242", "", Bearer(admin_)).status, 404);
  EXPECT_FALSE(server().Get("/api/v1/keys", Bearer(admin_)).Json()["items"][2]["revokedAt"].is_null());
  EXPECT_EQ(server().Post("/api/v1/keys", R"({"name":"x","scope":"root"})", Bearer(admin_)).Json()["error"]["field"], "scope");
  EXPECT_EQ(server().Post("/api/v1/keys", R"({"scope":"sdk"})", Bearer(admin_)).Json()["error"]["field"], "name");
  // Key changes are audited with the acting key.
  const json audit = server().Get("/api/v1/audit?order=asc&resource=key", Bearer(admin_)).Json()["items"];
  ASSERT_GE(audit.size(), 4u);  // two bootstrap keys, this create, this revoke
  EXPECT_EQ(audit.back()["action"], "revoke");
  EXPECT_EQ(audit.back()["actor"], "key:bootstrap admin");
  EXPECT_EQ(audit.back()["after"].dump().find(secret), std::string::npos);
}

TEST_P(AuthTest, EveryWriteRecordsTheKeyThatMadeIt) {
  auto r = server().Post("/api/v1/attributes", R"({"name":"country","dataType":"string"})", Bearer(admin_));
  ASSERT_EQ(r.status, 201);
  const json audit = server().Get("/api/v1/audit?resource=attribute", Bearer(admin_)).Json()["items"];
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0]["actor"], "key:bootstrap admin");
  EXPECT_EQ(audit[0]["after"]["name"], "country");
}

TEST_P(AuthTest, CorsIsOffByDefaultAndFollowsTheConfiguredOrigins) {
  auto r = server().Get("/api/v1/sdk/config", {{"Origin", "https://app.example"}, {"Authorization", "Bearer " + sdk_}});
  EXPECT_EQ(r.Header("access-control-allow-origin"), "");
  ASSERT_EQ(server().Stop(), 0);
  StartServer({{"AUTH_ENABLED", "true"}, {"AUTH_CORSORIGINS", "https://app.example"}});
  r = server().Get("/api/v1/sdk/config", {{"Origin", "https://app.example"}, {"Authorization", "Bearer " + sdk_}});
  EXPECT_EQ(r.Header("access-control-allow-origin"), "https://app.example");
  r = server().Get("/api/v1/sdk/config", {{"Origin", "https://evil.example"}, {"Authorization", "Bearer " + sdk_}});
  EXPECT_EQ(r.Header("access-control-allow-origin"), "");
  r = Http(server().port(), "OPTIONS", "/api/v1/parameters", "",
           {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_NE(r.Header("access-control-allow-methods").find("POST"), std::string::npos);
}

TEST_P(AuthTest, DisablingAuthWarnsAtEveryStart) {
  ASSERT_EQ(server().Stop(), 0);
  StartServer({{"AUTH_ENABLED", "false"}});
  EXPECT_NE(server().log().find("AUTHENTICATION IS DISABLED"), std::string::npos);
  EXPECT_EQ(server().Get("/api/v1/parameters").status, 200);
}

TEST_P(AuthTest, WithoutAuthOnlyALoopbackAddressIsServed) {
  ASSERT_EQ(server().Stop(), 0);
  auto env = db_.env;
  env["AUTH_ENABLED"] = "false";
  env["SERVICE_BIND"] = "0.0.0.0";
  ServerProcess open_to_all(env);
  EXPECT_FALSE(open_to_all.Start(std::chrono::seconds(5)));
  EXPECT_NE(open_to_all.log().find("refusing to serve the network without authentication"), std::string::npos)
      << open_to_all.log();
  // With auth on, any address is fine; the default is this host only.
  StartServer({{"AUTH_ENABLED", "true"}});
  EXPECT_EQ(server().Get("/healthz").status, 200);
}

TEST_P(AuthTest, TheFirstKeysArePrintedOnlyOnceTheServerListens) {
  const std::string log = server().log();
  const auto listening = log.find("listening on port");
  ASSERT_NE(listening, std::string::npos);
  EXPECT_NE(log.find("admin key:"), std::string::npos);
  // A bind that fails mints no key: start a second server with auth on, on the port the first holds,
  // on an empty database.
  auto env = TestDatabase::Make(GetParam()).env;
  env["AUTH_ENABLED"] = "true";
  env["SERVICE_PORT"] = std::to_string(server().port());
  ServerProcess clash(env);
  (void)clash.Start(std::chrono::seconds(2));  // /healthz on that port is the first server's: no verdict
  for (int i = 0; i < 100 && clash.log().find("cannot listen") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(clash.log().find("cannot listen"), std::string::npos) << clash.log();
  EXPECT_EQ(clash.log().find("admin key:"), std::string::npos) << clash.log();
}

TEST_P(AuthTest, UnauthorizedAnswersSayHowToSendAKey) {
  const auto r = server().Get("/api/v1/parameters");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.Json()["error"]["message"].get<std::string>().find("Authorization: Bearer aur_"), std::string::npos);
}

AURORA_SERVER_TEST_SUITE(AuthTest);

TEST(ConstantTimeEqualsTest, ComparesWholeStrings) {
  using server::ConstantTimeEquals;
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("ab", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", std::string_view("abc\0", 4)));
  EXPECT_FALSE(ConstantTimeEquals("xbc", "abc"));
}

TEST(CryptoTest, Sha256MatchesTheStandardVectors) {
  EXPECT_EQ(server::Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(server::Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string a = server::RandomHex(24), b = server::RandomHex(24);
  EXPECT_EQ(a.size(), 48u);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace aurora::testing
