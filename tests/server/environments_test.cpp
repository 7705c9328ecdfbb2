// Environments (SPEC §10, docs/environments.md) against the real server on SQLite and
// PostgreSQL: isolation of revisions, snapshots, streams, evaluation and OFREP; diff and
// promote (dry run included); sdk keys bound to an environment; the delete rules; bad input;
// concurrent promotes and edits; the migration of existing data into production and back.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "server/server_fixture.hpp"
#include "server/sse_client.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace aurora::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class EnvironmentsTest : public ServerTest {
 protected:
  // An attribute, a segment and a parameter with a targeted rule and a rollout: enough for
  // evaluations to differ by user.
  void Seed() {
    Create("attributes", {{"name", "user_id"}, {"dataType", "string"}});
    Create("attributes", {{"name", "country"}, {"dataType", "string"}});
    const json segment = Create("segments", {{"name", "US users"},
                                             {"rules", {{{"conditions", {{{"attribute", "country"},
                                                                          {"operator", "equals"},
                                                                          {"value", "US"}}}}}}}});
    param_ = Create("parameters",
                    {{"name", "checkout"},
                     {"dataType", "string"},
                     {"defaultValue", "old"},
                     {"rules", {{{"id", "us"}, {"type", "segment"}, {"segmentId", segment["id"]}, {"value", "us"}},
                                {{"id", "half"},
                                 {"conditions", json::array()},
                                 {"value", "new"},
                                 {"rollout", {{"percentage", 50}, {"hashAttribute", "user_id"}}}}}}});
  }

  std::int64_t RevisionOf(const std::string& env) {
    const auto r = server().Get("/api/v1/sdk/metadata?environment=" + env);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json().value("revision", std::int64_t{-1});
  }

  json Evaluate(const std::string& env, const std::string& user, const std::string& country = "DE") {
    const auto r = server().Post("/api/v1/evaluate?environment=" + env,
                                 json{{"parameter", "checkout"},
                                      {"attributes", {{"user_id", user}, {"country", country}}}}
                                     .dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json();
  }

  json Param(const std::string& env) {
    const auto r = server().Get("/api/v1/parameters/" + std::to_string(param_["id"].get<int>()) + "?environment=" + env);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json();
  }

  HttpResult PatchParam(const std::string& env, const json& patch) {
    const json current = Param(env);
    json body = patch;
    body["version"] = current["version"];
    return server().Patch("/api/v1/parameters/" + std::to_string(param_["id"].get<int>()) + "?environment=" + env,
                          body.dump());
  }

  json param_;
};

TEST_P(EnvironmentsTest, ProductionExistsFromTheStartAndIsTheDefault) {
  const auto r = server().Get("/api/v1/environments");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.Json()["items"].size(), 1u);
  EXPECT_EQ(r.Json()["items"][0]["name"], "production");
  EXPECT_EQ(r.Json()["items"][0]["default"], true);
  const auto one = server().Get("/api/v1/environments/production");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.Header("etag"), "\"1\"");
}

TEST_P(EnvironmentsTest, ANewEnvironmentStartsWithACopyOfTheDefaultsStates) {
  Seed();
  const auto created = server().Post("/api/v1/environments", R"({"name":"staging","description":"pre-prod"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Header("location"), "/api/v1/environments/staging");
  EXPECT_EQ(created.Json()["revision"], 1);
  EXPECT_EQ(RevisionOf("staging"), 1);
  EXPECT_EQ(Param("staging")["rules"], Param("production")["rules"]);
  EXPECT_EQ(Param("production")["environments"]["staging"], Param("production")["environments"]["production"]);
  // Same rules, same hash keys: the same users get the same values.
  for (int i = 0; i < 50; ++i) {
    const std::string user = "user_" + std::to_string(i);
    EXPECT_EQ(Evaluate("staging", user)["value"], Evaluate("production", user)["value"]) << user;
  }
}

TEST_P(EnvironmentsTest, AWriteInStagingChangesNothingInProduction) {
  Seed();
  ASSERT_EQ(server().Post("/api/v1/environments", R"({"name":"staging"})").status, 201);
  const std::int64_t prod_before = RevisionOf("production");
  const std::int64_t staging_before = RevisionOf("staging");
  const auto prod_config = server().Get("/api/v1/sdk/config");
  const auto prod_ofrep = server().Post("/ofrep/v1/evaluate/flags/checkout?environment=production",
                                        R"({"context":{"targetingKey":"u1","country":"DE"}})");
  SseClient prod_stream(server().port(), "", "/api/v1/sdk/stream?environment=production");
  SseClient staging_stream(server().port(), "", "/api/v1/sdk/stream?environment=staging");
  ASSERT_TRUE(prod_stream.WaitForRevision(prod_before, 5s)) << prod_stream.text();
  ASSERT_TRUE(staging_stream.WaitForRevision(staging_before, 5s)) << staging_stream.text();

  const auto patched = PatchParam("staging", {{"defaultValue", "staged"}, {"rules", json::array()}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.Json()["defaultValue"], "staged");
  EXPECT_EQ(patched.Json()["environments"]["production"]["defaultValue"], "old");

  // Staging moved by exactly one; production did not move at all.
  EXPECT_EQ(RevisionOf("staging"), staging_before + 1);
  EXPECT_EQ(RevisionOf("production"), prod_before);
  EXPECT_TRUE(staging_stream.WaitForRevision(staging_before + 1, 5s)) << staging_stream.text();
  EXPECT_EQ(staging_stream.Data(staging_before + 1)["snapshot"]["parameters"][0]["defaultValue"], "staged");
  EXPECT_FALSE(prod_stream.WaitForRevision(prod_before + 1, 1500ms)) << "production's stream woke up";

  const auto prod_after = server().Get("/api/v1/sdk/config");
  EXPECT_EQ(prod_after.Header("etag"), prod_config.Header("etag"));
  EXPECT_EQ(prod_after.body, prod_config.body);
  EXPECT_EQ(server().Get("/api/v1/sdk/config", {{"If-None-Match", prod_config.Header("etag")}}).status, 304);
  const auto staging_config = server().Get("/api/v1/sdk/config?environment=staging");
  EXPECT_EQ(staging_config.Json()["revision"], staging_before + 1);
  EXPECT_EQ(staging_config.Json()["parameters"][0]["defaultValue"], "staged");

  EXPECT_EQ(Evaluate("staging", "u1", "US")["value"], "staged");
  EXPECT_EQ(Evaluate("production", "u1", "US")["value"], "us");
  EXPECT_EQ(server()
                .Post("/ofrep/v1/evaluate/flags/checkout?environment=production",
                      R"({"context":{"targetingKey":"u1","country":"DE"}})")
                .body,
            prod_ofrep.body);
  const auto staged_ofrep = server().Post("/ofrep/v1/evaluate/flags/checkout?environment=staging",
                                          R"({"context":{"targetingKey":"u1","country":"DE"}})");
  EXPECT_EQ(staged_ofrep.Json()["value"], "staged") << staged_ofrep.body;

  // The audit record names the environment.
  const auto audit = server().Get("/api/v1/audit?order=asc&environment=staging&resource=parameter");
  ASSERT_EQ(audit.status, 200) << audit.body;
  ASSERT_FALSE(audit.Json()["items"].empty());
  EXPECT_EQ(audit.Json()["items"].back()["environment"], "staging");
  EXPECT_EQ(audit.Json()["items"].back()["after"]["defaultValue"], "staged");
}

TEST_P(EnvironmentsTest, AGlobalChangeRaisesEveryEnvironmentsRevisionByOne) {
  Seed();
  ASSERT_EQ(server().Post("/api/v1/environments", R"({"name":"staging"})").status, 201);
  const std::int64_t prod = RevisionOf("production"), staging = RevisionOf("staging");
  Create("attributes", {{"name", "plan"}, {"dataType", "string"}});
  EXPECT_EQ(RevisionOf("production"), prod + 1);
  EXPECT_EQ(RevisionOf("staging"), staging + 1);
  // A description is part of the definition, shared by every environment.
  ASSERT_EQ(PatchParam("staging", {{"description", "the checkout flow"}}).status, 200);
  EXPECT_EQ(RevisionOf("production"), prod + 2);
  EXPECT_EQ(RevisionOf("staging"), staging + 2);
  EXPECT_EQ(Param("production")["description"], "the checkout flow");
}

TEST_P(EnvironmentsTest, DiffShowsTheDifferingFieldsAndPromoteCopiesThemInOneRevision) {
  Seed();
  ASSERT_EQ(server().Post("/api/v1/environments", R"({"name":"staging"})").status, 201);
  Create("parameters", {{"name", "banner"}, {"dataType", "boolean"}, {"defaultValue", false}});
  ASSERT_EQ(PatchParam("staging", {{"defaultValue", "new-default"}}).status, 200);

  const auto diff = server().Get("/api/v1/environments/production/diff?from=staging");
  ASSERT_EQ(diff.status, 200) << diff.body;
  ASSERT_EQ(diff.Json()["parameters"].size(), 1u) << diff.body;
  EXPECT_EQ(diff.Json()["parameters"][0]["name"], "checkout");
  EXPECT_EQ(diff.Json()["parameters"][0]["fields"]["defaultValue"], json({{"from", "new-default"}, {"to", "old"}}));
  EXPECT_FALSE(diff.Json()["parameters"][0]["fields"].contains("rules"));

  const std::int64_t prod_before = RevisionOf("production");
  const std::int64_t version_before = Param("production")["version"];
  const auto dry = server().Post("/api/v1/environments/production/promote", R"({"from":"staging","dryRun":true})");
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(dry.Json()["dryRun"], true);
  EXPECT_EQ(RevisionOf("production"), prod_before) << "a dry run writes nothing";
  EXPECT_EQ(Param("production")["defaultValue"], "old");

  const auto real = server().Post("/api/v1/environments/production/promote", R"({"from":"staging"})");
  ASSERT_EQ(real.status, 200) << real.body;
  EXPECT_EQ(real.Json()["changes"], dry.Json()["changes"]) << "the dry run shows exactly what is written";
  EXPECT_EQ(real.Json()["revision"], prod_before + 1);
  EXPECT_EQ(RevisionOf("production"), prod_before + 1);
  EXPECT_EQ(Param("production")["defaultValue"], "new-default");
  EXPECT_EQ(Param("production")["version"], version_before + 1);
  EXPECT_TRUE(server().Get("/api/v1/environments/production/diff?from=staging").Json()["parameters"].empty());
  const auto audit = server().Get("/api/v1/audit?order=asc&environment=production&resource=parameter");
  const json items = audit.Json()["items"];
  ASSERT_FALSE(items.empty());
  EXPECT_EQ(items.back()["action"], "promote");
  EXPECT_EQ(items.back()["revision"], prod_before + 1);
  // Promoting again changes nothing and makes no revision.
  const auto again = server().Post("/api/v1/environments/production/promote", R"({"from":"staging"})");
  EXPECT_TRUE(again.Json()["changes"].empty());
  EXPECT_EQ(RevisionOf("production"), prod_before + 1);
}

TEST_P(EnvironmentsTest, PromoteOfNamedParametersCopiesOnlyThose) {
  Seed();
  Create("parameters", {{"name", "banner"}, {"dataType", "boolean"}, {"defaultValue", false}});
  ASSERT_EQ(server().Post("/api/v1/environments", R"({"name":"staging"})").status, 201);
  ASSERT_EQ(PatchParam("staging", {{"defaultValue", "x"}}).status, 200);
  const json banner = server().Get("/api/v1/parameters?environment=staging").Json()["items"][1];
  ASSERT_EQ(banner["name"], "banner");
  ASSERT_EQ(server()
                .Patch("/api/v1/parameters/" + std::to_string(banner["id"].get<int>()) + "?environment=staging",
                       json{{"version", banner["version"]}, {"defaultValue", true}}.dump())
                .status,
            200);
  const auto r = server().Post("/api/v1/environments/production/promote", R"({"from":"staging","parameters":["banner"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.Json()["changes"].size(), 1u);
  EXPECT_EQ(r.Json()["changes"][0]["name"], "banner");
  EXPECT_EQ(Param("production")["defaultValue"], "old");
}

TEST_P(EnvironmentsTest, ExperimentsBelongToOneEnvironment) {
  Seed();
  ASSERT_EQ(server().Post("/api/v1/environments", R"({"name":"staging"})").status, 201);
  const json variants = {{{"name", "A"}, {"trafficAllocation", 50}, {"parameters", {{{"parameterName", "checkout"}, {"rolloutValue", "a"}}}}},
                         {{"name", "B"}, {"trafficAllocation", 50}, {"parameters", {{{"parameterName", "checkout"}, {"rolloutValue", "b"}}}}}};
  const std::int64_t prod = RevisionOf("production");
  const auto staged = server().Post("/api/v1/experiments?environment=staging",
                                    json{{"name", "Checkout test"}, {"hashAttribute", "user_id"}, {"status", "running"},
                                         {"variants", variants}}
                                        .dump());
  ASSERT_EQ(staged.status, 201) << staged.body;
  EXPECT_EQ(staged.Json()["environment"], "staging");
  EXPECT_EQ(RevisionOf("production"), prod);
  // The overlap check is per environment: the same parameter may run in production too.
  const auto in_prod = server().Post("/api/v1/experiments", json{{"name", "Checkout test prod"},
                                                                 {"hashAttribute", "user_id"},
                                                                 {"status", "running"},
                                                                 {"variants", variants}}
                                                                .dump());
  ASSERT_EQ(in_prod.status, 201) << in_prod.body;
  EXPECT_EQ(in_prod.Json()["environment"], "production");
  EXPECT_EQ(server().Get("/api/v1/experiments").Json()["items"].size(), 1u);
  EXPECT_EQ(server().Get("/api/v1/experiments?environment=staging").Json()["items"].size(), 1u);
  EXPECT_EQ(server().Get("/api/v1/sdk/config?environment=staging").Json()["experiments"][0]["name"], "Checkout test");
  // The environment is immutable.
  const auto moved = server().Patch("/api/v1/experiments/" + std::to_string(staged.Json()["id"].get<int>()),
                                    json{{"version", staged.Json()["version"]}, {"environment", "production"}}.dump());
  EXPECT_EQ(moved.status, 400) << moved.body;
  EXPECT_EQ(moved.Json()["error"]["field"], "environment");
  // An environment with a running experiment cannot be deleted.
  const auto del = server().Delete("/api/v1/environments/staging");
  EXPECT_EQ(del.status, 409) << del.body;
  EXPECT_NE(del.Json()["error"]["message"].get<std::string>().find("Checkout test"), std::string::npos);
  ASSERT_EQ(server().Post("/api/v1/experiments/" + std::to_string(staged.Json()["id"].get<int>()) + "/abort", "").status, 200);
  EXPECT_EQ(server().Delete("/api/v1/environments/staging").status, 204);
  EXPECT_EQ(server().Get("/api/v1/experiments/" + std::to_string(staged.Json()["id"].get<int>())).status, 404);
  EXPECT_EQ(server().Get("/api/v1/sdk/config?environment=staging").status, 404);
}

TEST_P(EnvironmentsTest, BadInputIsRefusedAndChangesNothing) {
  Seed();
  const std::int64_t prod = RevisionOf("production");
  for (const char* body : {R"({"name":"Staging"})", R"({"name":"1st"})", R"({"name":""})", R"({"name":"a b"})",
                           R"({"name":"abcdefghijabcdefghijabcdefghijabc"})", R"({"name":"st\u202eg"})", R"({"name":7})",
                           R"({})", R"([])", R"({"name":"ok","colour":"red"})", R"({"name":"ok","protected":"yes"})",
                           R"({"name":"ok","position":-1})", R"({"name":"ok","copyFrom":"nowhere"})", "{"}) {
    const auto r = server().Post("/api/v1/environments", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
  }
  EXPECT_EQ(server().Get("/api/v1/environments").Json()["items"].size(), 1u);
  ASSERT_EQ(server().Post("/api/v1/environments", R"({"name":"staging"})").status, 201);
  EXPECT_EQ(server().Post("/api/v1/environments", R"({"name":"staging"})").status, 409);

  // Unknown environments: 404 naming them, on every per-environment route.
  for (const std::string target : {"/api/v1/parameters?environment=nope", "/api/v1/sdk/config?environment=nope",
                                   "/api/v1/environments/nope", "/api/v1/environments/production/diff?from=nope",
                                   "/api/v1/environments/nope/diff?from=production"}) {
    const auto r = server().Get(target);
    EXPECT_EQ(r.status, 404) << target << " -> " << r.body;
    EXPECT_NE(r.body.find("nope"), std::string::npos) << target << " -> " << r.body;
  }
  EXPECT_EQ(server().Post("/api/v1/evaluate?environment=nope", R"({"parameter":"checkout"})").status, 404);
  // A hostile name is not echoed back.
  const std::string hostile(2000, 'X');
  for (const std::string target : {"/api/v1/sdk/config?environment=", "/api/v1/parameters?environment=",
                                   "/api/v1/environments/"}) {
    const auto r = server().Get(target + hostile);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(r.body.find("XXXX"), std::string::npos) << target << " -> " << r.body.substr(0, 200);
  }
  EXPECT_EQ(PatchParam("production", {{"defaultValue", "x"}}).status, 200);
  const auto bad_env_patch = server().Patch("/api/v1/parameters/" + std::to_string(param_["id"].get<int>()) +
                                                "?environment=nope",
                                            json{{"version", Param("production")["version"]}, {"defaultValue", "y"}}.dump());
  EXPECT_EQ(bad_env_patch.status, 404) << bad_env_patch.body;

  // Promote from itself, from nowhere, of unknown parameters, with wrong types.
  for (const char* body : {R"({"from":"production"})", R"({"from":"nope"})", R"({})", R"({"from":"staging","parameters":["nope"]})",
                           R"({"from":"staging","parameters":"checkout"})", R"({"from":"staging","dryRun":"yes"})",
                           R"({"from":"staging","extra":1})"}) {
    const auto r = server().Post("/api/v1/environments/production/promote", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
  }
  EXPECT_EQ(server().Post("/api/v1/environments/nope/promote", R"({"from":"staging"})").status, 404);

  // The parameter's environments summary is read-only.
  json current = Param("production");
  json tampered = current;
  tampered["environments"]["staging"]["defaultValue"] = "hacked";
  const auto put = server().Put("/api/v1/parameters/" + std::to_string(param_["id"].get<int>()), tampered.dump());
  EXPECT_EQ(put.status, 400) << put.body;
  EXPECT_EQ(put.Json()["error"]["field"], "environments");
  EXPECT_EQ(Param("staging")["defaultValue"], "old");

  // The default environment and the last one stay.
  const auto del_default = server().Delete("/api/v1/environments/production");
  EXPECT_EQ(del_default.status, 409) << del_default.body;
  EXPECT_EQ(server().Delete("/api/v1/environments/staging").status, 204);
  const auto del_last = server().Delete("/api/v1/environments/production");
  EXPECT_EQ(del_last.status, 409);
  EXPECT_NE(del_last.body.find("last"), std::string::npos) << del_last.body;
  EXPECT_GE(RevisionOf("production"), prod);

  // Environment updates: name immutable, version required, protected stored.
  const auto env = server().Get("/api/v1/environments/production").Json();
  EXPECT_EQ(server().Patch("/api/v1/environments/production", R"({"protected":true})").status, 400);
  EXPECT_EQ(server().Patch("/api/v1/environments/production", json{{"version", env["version"]}, {"name", "prod"}}.dump()).status, 400);
  const auto ok = server().Patch("/api/v1/environments/production", json{{"version", env["version"]}, {"protected", true}}.dump());
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(server().Get("/api/v1/environments/production").Json()["protected"], true);
  EXPECT_EQ(server().Patch("/api/v1/environments/production", json{{"version", env["version"]}, {"protected", false}}.dump()).status, 409);
}

TEST_P(EnvironmentsTest, ConcurrentPromotesAndEditsLoseNothingAndEachPromoteIsAtomic) {
  constexpr int kParameters = 10, kEditsEach = 5, kPromoters = 5, kPromotesEach = 10;
  std::vector<std::int64_t> ids;
  for (int i = 0; i < kParameters; ++i) {
    ids.push_back(Create("parameters", {{"name", "p" + std::to_string(i)}, {"dataType", "number"}, {"defaultValue", 0}})["id"]);
  }
  ASSERT_EQ(server().Post("/api/v1/environments", R"({"name":"staging"})").status, 201);
  const std::int64_t prod_before = RevisionOf("production");
  const auto port = server().port();
  std::atomic<int> failures{0}, promotes_with_changes{0}, promoted_records{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < kParameters; ++p) {
    threads.emplace_back([&, p] {
      const std::string path = "/api/v1/parameters/" + std::to_string(ids[p]) + "?environment=staging";
      for (int e = 1; e <= kEditsEach;) {
        const auto current = Http(port, "GET", path);
        const auto r = Http(port, "PATCH", path,
                            json{{"version", current.Json()["version"]}, {"defaultValue", p * 100 + e}}.dump());
        if (r.status == 200) {
          ++e;
        } else if (r.status != 409) {  // a promote or edit raced our version: read again
          ++failures;
          return;
        }
      }
    });
  }
  for (int t = 0; t < kPromoters; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPromotesEach; ++i) {
        const auto r = Http(port, "POST", "/api/v1/environments/production/promote", R"({"from":"staging"})");
        if (r.status != 200) {
          ++failures;
          continue;
        }
        const auto changes = r.Json()["changes"].size();
        if (changes > 0) {
          ++promotes_with_changes;
          promoted_records += static_cast<int>(changes);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  // Every edit is there: each parameter holds its last value in staging.
  for (int p = 0; p < kParameters; ++p) {
    const auto r = server().Get("/api/v1/parameters/" + std::to_string(ids[p]) + "?environment=staging");
    EXPECT_EQ(r.Json()["defaultValue"], p * 100 + kEditsEach) << "parameter p" << p;
  }
  // One revision per promote that changed something; one audit record per parameter it copied.
  EXPECT_EQ(RevisionOf("production"), prod_before + promotes_with_changes.load());
  const auto audit = server().Get("/api/v1/audit?environment=production&limit=1000");
  ASSERT_EQ(audit.status, 200) << audit.body;
  int records = 0;
  const json page = audit.Json();
  for (const auto& item : page["items"]) records += item["action"] == "promote" ? 1 : 0;
  EXPECT_EQ(records, promoted_records.load());
  // A last promote makes production equal to staging.
  ASSERT_EQ(server().Post("/api/v1/environments/production/promote", R"({"from":"staging"})").status, 200);
  EXPECT_TRUE(server().Get("/api/v1/environments/production/diff?from=staging").Json()["parameters"].empty());
}

TEST_P(EnvironmentsTest, MigrationMovesExistingDataIntoProductionAndBackWithoutChangingAnEvaluation) {
  Seed();
  const json variants = {{{"name", "A"}, {"trafficAllocation", 30}, {"parameters", {{{"parameterName", "checkout"}, {"rolloutValue", "a"}}}}},
                         {{"name", "B"}, {"trafficAllocation", 70}, {"parameters", json::array()}}};
  ASSERT_EQ(server()
                .Post("/api/v1/experiments", json{{"name", "Checkout test"},
                                                  {"hashAttribute", "user_id"},
                                                  {"populationSize", 40},
                                                  {"status", "running"},
                                                  {"variants", variants}}
                                                 .dump())
                .status,
            201);
  Create("parameters", {{"name", "limits"}, {"dataType", "json"}, {"defaultValue", {{"max", 1e+06}, {"tiers", {1, 2.5, nullptr}}}}});
  auto evaluate_all = [&] {
    std::vector<std::string> out;
    for (int i = 0; i < 200; ++i) {
      const auto r = server().Post("/api/v1/evaluate",
                                   json{{"parameters", {"checkout", "limits"}},
                                        {"attributes", {{"user_id", "user_" + std::to_string(i)},
                                                        {"country", i % 3 == 0 ? "US" : "DE"}}}}
                                       .dump());
      out.push_back(r.body);
    }
    return out;
  };
  const auto before = evaluate_all();
  const auto config_before = server().Get("/api/v1/sdk/config").Json();
  const std::int64_t revision = RevisionOf("production");
  server().Stop();

  // Down to the single-configuration schema: the data folds back into the parameters.
  {
    auto db = GetParam() == "sqlite" ? store::OpenSqlite(db_.env.at("DATABASE_PATH")) : store::OpenPostgres(db_.dsn, 1);
    ASSERT_TRUE(db) << db.error().message;
    store::Migrator migrator(**db);
    // The later migrations (users, OIDC) first.
    while (*migrator.Version() > 4) ASSERT_TRUE(migrator.Down()) << "down from " << *migrator.Version();
    ASSERT_EQ(*migrator.Version(), 4);
    ASSERT_TRUE(migrator.Down()) << "down from 4";
    ASSERT_EQ(*migrator.Version(), 3);
    auto tx = (*db)->Begin(false);
    ASSERT_TRUE(tx);
    auto rows = (*tx)->Query("SELECT body FROM parameters WHERE name = 'checkout'");
    ASSERT_TRUE(rows && rows->size() == 1);
    const json body = json::parse(rows->at(0).Text(0));
    EXPECT_EQ(body["defaultValue"], "old");
    EXPECT_EQ(body["rules"].size(), 2u);
    auto rev = (*tx)->Query("SELECT revision FROM aurora_revision");
    ASSERT_TRUE(rev);
    EXPECT_EQ(rev->at(0).Int(0), revision);
  }
  // Up again (the server migrates at start): everything is production's, at the same revision.
  StartServer();
  EXPECT_EQ(RevisionOf("production"), revision);
  EXPECT_EQ(evaluate_all(), before);
  const auto config_after = server().Get("/api/v1/sdk/config").Json();
  EXPECT_EQ(config_after, config_before);
}

TEST_P(EnvironmentsTest, AServerWhoseDefaultEnvironmentDoesNotExistRefusesToStart) {
  server().Stop();
  auto env = db_.env;
  env["AUTH_ENABLED"] = "false";
  env["ENVIRONMENTS_DEFAULT"] = "staging";
  ServerProcess bad(env);
  EXPECT_FALSE(bad.Start(5s));
  EXPECT_NE(bad.log().find("staging"), std::string::npos) << bad.log();
}

AURORA_SERVER_TEST_SUITE(EnvironmentsTest);

// With keys: an sdk key reads its own environment only; an admin key picks one.
class EnvironmentKeysTest : public KeyedServerTest {
 protected:
  HttpResult As(const std::string& key, const std::string& method, const std::string& target, const json& body = nullptr) {
    return Http(server().port(), method, target, body.is_null() ? "" : body.dump(), Bearer(key));
  }
};

TEST_P(EnvironmentKeysTest, AStagingChangeReachesAProductionKeyOnlyAfterThePromote) {
  ASSERT_EQ(As(admin_, "POST", "/api/v1/attributes", {{"name", "user_id"}, {"dataType", "string"}}).status, 201);
  const auto param = As(admin_, "POST", "/api/v1/parameters",
                        {{"name", "new_checkout"}, {"dataType", "boolean"}, {"defaultValue", false}});
  ASSERT_EQ(param.status, 201) << param.body;
  ASSERT_EQ(As(admin_, "POST", "/api/v1/environments", {{"name", "staging"}}).status, 201);
  const auto key = As(admin_, "POST", "/api/v1/keys", {{"name", "staging app"}, {"scope", "sdk"}, {"environment", "staging"}});
  ASSERT_EQ(key.status, 201) << key.body;
  EXPECT_EQ(key.Json()["environment"], "staging");
  const std::string staging_sdk = key.Json()["key"];

  const std::string path = "/api/v1/parameters/" + std::to_string(param.Json()["id"].get<int>()) + "?environment=staging";
  const auto patched = As(admin_, "PATCH", path,
                          {{"version", param.Json()["version"]},
                           {"rules", {{{"conditions", {{{"attribute", "user_id"}, {"operator", "equals"}, {"value", "u1"}}}},
                                       {"value", true}}}}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  const json u1 = {{"parameter", "new_checkout"}, {"attributes", {{"user_id", "u1"}}}};
  EXPECT_EQ(As(staging_sdk, "POST", "/api/v1/evaluate", u1).Json()["value"], true);
  EXPECT_EQ(As(sdk_, "POST", "/api/v1/evaluate", u1).Json()["value"], false);
  EXPECT_EQ(As(staging_sdk, "GET", "/api/v1/sdk/config").Json()["parameters"][0]["rules"].size(), 1u);
  EXPECT_EQ(As(sdk_, "GET", "/api/v1/sdk/config").Json()["parameters"][0]["rules"].size(), 0u);

  // An sdk key cannot read another environment; an admin key picks one.
  EXPECT_EQ(As(staging_sdk, "GET", "/api/v1/sdk/config?environment=production").status, 403);
  EXPECT_EQ(As(sdk_, "GET", "/api/v1/sdk/config?environment=staging").status, 403);
  EXPECT_EQ(As(staging_sdk, "GET", "/api/v1/sdk/config?environment=staging").status, 200);
  EXPECT_EQ(As(admin_, "GET", "/api/v1/sdk/config?environment=staging").Json()["parameters"][0]["rules"].size(), 1u);
  const auto unknown = As(admin_, "GET", "/api/v1/sdk/config?environment=qa");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("qa"), std::string::npos);

  ASSERT_EQ(As(admin_, "POST", "/api/v1/environments/production/promote", {{"from", "staging"}}).status, 200);
  EXPECT_EQ(As(sdk_, "POST", "/api/v1/evaluate", u1).Json()["value"], true);

  // Keys: admin keys take no environment; unknown environments are refused.
  EXPECT_EQ(As(admin_, "POST", "/api/v1/keys", {{"name", "x"}, {"scope", "admin"}, {"environment", "staging"}}).status, 400);
  EXPECT_EQ(As(admin_, "POST", "/api/v1/keys", {{"name", "x"}, {"scope", "sdk"}, {"environment", "qa"}}).status, 400);
  // Deleting an environment revokes its sdk keys.
  ASSERT_EQ(As(admin_, "DELETE", "/api/v1/environments/staging").status, 204);
  int status = 0;
  for (int i = 0; i < 30 && status != 401; ++i) {  // keys are reloaded every second
    status = As(staging_sdk, "GET", "/api/v1/sdk/config").status;
    if (status != 401) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(status, 401);
}

AURORA_SERVER_TEST_SUITE(EnvironmentKeysTest);

}  // namespace
}  // namespace aurora::testing
