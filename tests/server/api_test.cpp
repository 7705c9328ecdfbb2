// HTTP-level tests of the management and SDK API against the real aurora-server binary.

#include <gtest/gtest.h>

#include <algorithm>

#include <atomic>
#include <set>
#include <thread>

#include "server/server_fixture.hpp"

namespace aurora::testing {
namespace {

using nlohmann::json;

class ApiTest : public ServerTest {
 protected:
  // user_id, country, age attributes; a string parameter with one rule.
  void Seed() {
    Create("attributes", {{"name", "user_id"}, {"dataType", "string"}});
    Create("attributes", {{"name", "country"}, {"dataType", "string"}});
    Create("attributes", {{"name", "age"}, {"dataType", "number"}});
  }
};

TEST_P(ApiTest, CreatesReadsListsUpdatesAndDeletesAttributes) {
  const auto created = server().Post("/api/v1/attributes", R"({"name":"plan","dataType":"enum","enumOptions":["free","pro"],"description":"Billing plan"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const json a = created.Json();
  EXPECT_EQ(a["name"], "plan");
  EXPECT_EQ(a["version"], 1);
  EXPECT_EQ(created.Header("location"), "/api/v1/attributes/" + std::to_string(a["id"].get<int>()));
  EXPECT_EQ(created.Header("etag"), "\"1\"");

  const auto got = server().Get("/api/v1/attributes/" + std::to_string(a["id"].get<int>()));
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.Json(), a);
  EXPECT_EQ(got.Header("etag"), "\"1\"");

  json update = a;
  update["enumOptions"] = {"free", "pro", "enterprise"};
  const auto put = server().Put("/api/v1/attributes/" + std::to_string(a["id"].get<int>()), update.dump());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.Json()["version"], 2);
  EXPECT_EQ(put.Json()["enumOptions"].size(), 3u);
  EXPECT_EQ(put.Json()["createdAt"], a["createdAt"]);

  const auto list = server().Get("/api/v1/attributes");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.Json()["items"].size(), 1u);
  EXPECT_TRUE(list.Json()["nextCursor"].is_null());

  EXPECT_EQ(server().Delete("/api/v1/attributes/" + std::to_string(a["id"].get<int>())).status, 204);
  EXPECT_EQ(server().Get("/api/v1/attributes/" + std::to_string(a["id"].get<int>())).status, 404);
}

TEST_P(ApiTest, EveryResourceIsAddressedByNameAsWellAsById) {
  Seed();
  const json p = Create("parameters", {{"name", "new_checkout"}, {"dataType", "boolean"}, {"defaultValue", false}});
  const std::string id = std::to_string(p["id"].get<int>());
  // Read, change and delete a parameter by its name, as by its id.
  auto r = server().Get("/api/v1/parameters/new_checkout");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["id"], p["id"]);
  EXPECT_EQ(r.Header("etag"), "\"1\"");
  r = server().Patch("/api/v1/parameters/new_checkout", R"({"enabled":true,"version":1})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(server().Get("/api/v1/parameters/" + id).Json()["enabled"], true);
  EXPECT_EQ(server().Get("/api/v1/parameters/old_checkout").status, 404);
  EXPECT_NE(server().Get("/api/v1/parameters/old_checkout").Json()["error"]["message"].get<std::string>().find("old_checkout"),
            std::string::npos);
  // Attributes by name; segments by their label (spaces and all).
  EXPECT_EQ(server().Get("/api/v1/attributes/country").Json()["name"], "country");
  const json seg = Create("segments", json::parse(R"({"name": "US users", "rules": [{"name": "us",
      "conditions": [{"attribute": "country", "operator": "in", "value": "US"}]}]})"));
  r = server().Get("/api/v1/segments/US%20users");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["id"], seg["id"]);
  // Experiments by name or uuid, actions too.
  const json e = Create("experiments", json::parse(R"({"name": "Checkout test", "hashAttribute": "user_id",
      "variants": [{"name": "A", "trafficAllocation": 50, "parameters": [{"parameterName": "new_checkout", "rolloutValue": true}]},
                   {"name": "B", "trafficAllocation": 50, "parameters": [{"parameterName": "new_checkout", "rolloutValue": false}]}]})"));
  EXPECT_EQ(server().Get("/api/v1/experiments/Checkout%20test").Json()["id"], e["id"]);
  EXPECT_EQ(server().Get("/api/v1/experiments/" + e["uuid"].get<std::string>()).Json()["id"], e["id"]);
  r = server().Post("/api/v1/experiments/Checkout%20test/start", "");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["status"], "running");
  // Delete by name.
  EXPECT_EQ(Http(server().port(), "DELETE", "/api/v1/experiments/Checkout%20test/abort", "").status, 405);
  EXPECT_EQ(server().Post("/api/v1/experiments/Checkout%20test/abort", "").status, 200);
  EXPECT_EQ(Http(server().port(), "DELETE", "/api/v1/experiments/Checkout%20test", "").status, 204);
  EXPECT_EQ(Http(server().port(), "DELETE", "/api/v1/parameters/new_checkout", "").status, 204);
  EXPECT_EQ(server().Get("/api/v1/parameters/" + id).status, 404);
}

TEST_P(ApiTest, ARunningExperimentKeepsItsBucketsAndAPatchNeverDropsVariantValues) {
  Seed();
  Create("parameters", {{"name", "checkout"}, {"dataType", "string"}, {"defaultValue", "old"}});
  const json e = Create("experiments", json::parse(R"({"name": "Checkout test", "hashAttribute": "user_id",
      "variants": [{"name": "A", "trafficAllocation": 50, "parameters": [{"parameterName": "checkout", "rolloutValue": "a"}]},
                   {"name": "B", "trafficAllocation": 50, "parameters": [{"parameterName": "checkout", "rolloutValue": "b"}]}]})"));
  const std::string path = "/api/v1/experiments/" + std::to_string(e["id"].get<int>());
  // The report: 50/50 -> 90/10 by a PATCH of variants without their parameters emptied both.
  auto r = server().Patch(path, R"({"version":1,"variants":[{"id":1,"name":"A","trafficAllocation":90},{"id":2,"name":"B","trafficAllocation":10}]})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.Json()["error"]["field"], "variants[0].parameters");
  ASSERT_EQ(server().Post(path + "/start", "").status, 200);
  const json running = server().Get(path).Json();
  // While it runs, nothing that moves users between variants may change.
  const std::vector<std::pair<std::string, std::string>> moves = {
      {R"({"variants":[{"id":1,"name":"A","trafficAllocation":90,"parameters":[{"parameterName":"checkout","rolloutValue":"a"}]},{"id":2,"name":"B","trafficAllocation":10,"parameters":[{"parameterName":"checkout","rolloutValue":"b"}]}]})", "variants"},
      {R"({"variants":[{"id":1,"name":"A","trafficAllocation":100,"parameters":[]}]})", "variants"},
      {R"({"populationSize":50})", "populationSize"},
      {R"({"hashAttributeId":2,"hashAttribute":"country"})", "hashAttribute"},
  };
  for (const auto& [patch, field] : moves) {
    json body = json::parse(patch);
    body["version"] = running["version"];
    r = server().Patch(path, body.dump());
    EXPECT_EQ(r.status, 409) << patch << " -> " << r.body;
    EXPECT_EQ(r.Json()["error"]["field"], field) << patch;
    EXPECT_NE(r.Json()["error"]["message"].get<std::string>().find("pause"), std::string::npos) << r.body;
  }
  EXPECT_EQ(server().Get(path).Json(), running);  // nothing was written
  // What does not move users may change: the hypothesis, a variant's value.
  r = server().Patch(path, json{{"version", running["version"]}, {"hypothesis", "B sells more"}}.dump());
  EXPECT_EQ(r.status, 200) << r.body;
  // Paused, the allocation may change; values sent along are kept.
  ASSERT_EQ(server().Post(path + "/pause", "").status, 200);
  json body = json::parse(moves[0].first);
  body["version"] = server().Get(path).Json()["version"];
  r = server().Patch(path, body.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["variants"][0]["trafficAllocation"], 90);
  EXPECT_EQ(r.Json()["variants"][0]["parameters"][0]["rolloutValue"], "a");
  EXPECT_EQ(r.Json()["variants"][1]["parameters"][0]["rolloutValue"], "b");
}

TEST_P(ApiTest, ListsPageByCursorInAscendingIdOrder) {
  for (int i = 0; i < 7; ++i) Create("attributes", {{"name", "a" + std::to_string(i)}, {"dataType", "string"}});
  std::vector<int> ids;
  std::string cursor;
  int pages = 0;
  do {
    const auto r = server().Get("/api/v1/attributes?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    const json page = r.Json();
    for (const auto& item : page["items"]) ids.push_back(item["id"]);
    cursor = r.Json()["nextCursor"].is_null() ? "" : r.Json()["nextCursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(ids.size(), 7u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(server().Get("/api/v1/attributes?limit=0").status, 400);
  EXPECT_EQ(server().Get("/api/v1/attributes?limit=1001").status, 400);
  EXPECT_EQ(server().Get("/api/v1/attributes?cursor=abc").status, 400);
}

TEST_P(ApiTest, EveryWriteRaisesTheRevisionByExactlyOne) {
  const auto start = Revision();
  Seed();
  EXPECT_EQ(Revision(), start + 3);
  const json p = Create("parameters", {{"name", "limit"}, {"dataType", "number"}, {"defaultValue", "10"}});
  EXPECT_EQ(p["defaultValue"], 10);  // the string literal is stored typed
  EXPECT_EQ(Revision(), start + 4);
  // A refused write changes nothing.
  EXPECT_EQ(server().Post("/api/v1/parameters", R"({"name":"limit","dataType":"number","defaultValue":1})").status, 409);
  EXPECT_EQ(server().Post("/api/v1/parameters", R"({"name":"bad","dataType":"number","defaultValue":"x"})").status, 400);
  EXPECT_EQ(Revision(), start + 4);
  // Create-and-start of an experiment is one write.
  Create("parameters", {{"name", "hero"}, {"dataType", "string"}, {"defaultValue", "Welcome"}});
  const auto before = Revision();
  const json e = Create("experiments", {{"name", "Hero test"}, {"status", "running"}, {"hashAttributeId", 1},
                                        {"variants", {{{"name", "Control"}, {"trafficAllocation", 50},
                                                       {"parameters", {{{"parameterName", "hero"}, {"rolloutValue", "A"}}}}},
                                                      {{"name", "B"}, {"trafficAllocation", 50},
                                                       {"parameters", {{{"parameterName", "hero"}, {"rolloutValue", "B"}}}}}}}});
  EXPECT_EQ(e["status"], "running");
  EXPECT_EQ(Revision(), before + 1);
}

TEST_P(ApiTest, ServesTheSnapshotWithEtagConditionalRequestsAndGzip) {
  Seed();
  Create("parameters", {{"name", "welcome"}, {"dataType", "string"}, {"defaultValue", "Hello"}});
  const auto r = server().Get("/api/v1/sdk/config");
  ASSERT_EQ(r.status, 200);
  const json snapshot = r.Json();
  EXPECT_EQ(snapshot["formatVersion"], 1);
  EXPECT_EQ(r.Header("etag"), "\"" + std::to_string(snapshot["revision"].get<int>()) + "\"");
  EXPECT_EQ(snapshot["parameters"][0]["name"], "welcome");

  const auto not_modified = server().Get("/api/v1/sdk/config", {{"If-None-Match", r.Header("etag")}});
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_TRUE(not_modified.body.empty());
  EXPECT_EQ(server().Get("/api/v1/sdk/config", {{"If-None-Match", "W/" + r.Header("etag")}}).status, 304);
  EXPECT_EQ(server().Get("/api/v1/sdk/config", {{"If-None-Match", "\"0\", " + r.Header("etag")}}).status, 304);
  EXPECT_EQ(server().Get("/api/v1/sdk/config", {{"If-None-Match", "\"999\""}}).status, 200);

  const auto gz = server().Get("/api/v1/sdk/config", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(gz.status, 200);
  EXPECT_EQ(gz.Header("content-encoding"), "gzip");
  EXPECT_EQ(gz.Header("etag"), r.Header("etag"));
  ASSERT_GE(gz.body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gz.body[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(gz.body[1]), 0x8b);

  // A write moves the ETag; the old one no longer matches.
  Create("parameters", {{"name", "other"}, {"dataType", "boolean"}, {"defaultValue", true}});
  EXPECT_EQ(server().Get("/api/v1/sdk/config", {{"If-None-Match", r.Header("etag")}}).status, 200);

  const auto params = server().Post("/api/v1/sdk/parameters", "");
  EXPECT_EQ(params.status, 200);
  EXPECT_EQ(params.Json()["parameters"].size(), 2u);
  EXPECT_EQ(server().Post("/api/v1/sdk/experiments", "{}").Json()["experiments"].size(), 0u);
  const auto meta = server().Get("/api/v1/sdk/metadata").Json();
  EXPECT_EQ(meta["s3"]["enabled"], false);
}

TEST_P(ApiTest, RequiresAndChecksTheVersionOnUpdates) {
  Seed();
  const json p = Create("parameters", {{"name", "p"}, {"dataType", "string"}, {"defaultValue", "a"}});
  const std::string path = "/api/v1/parameters/" + std::to_string(p["id"].get<int>());
  auto r = server().Put(path, R"({"dataType":"string","defaultValue":"b"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"]["field"], "version");
  r = server().Put(path, R"({"dataType":"string","defaultValue":"b","version":7})");
  EXPECT_EQ(r.status, 409);
  r = server().Put(path, R"({"dataType":"string","defaultValue":"b"})", {{"If-Match", "\"1\""}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["defaultValue"], "b");
  r = server().Patch(path, R"({"defaultValue":"c","version":2})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["defaultValue"], "c");
  EXPECT_EQ(r.Json()["dataType"], "string");
  EXPECT_EQ(r.Json()["version"], 3);
  // Read-only fields may come back unchanged, not changed; names are immutable.
  json back = r.Json();
  back["defaultValue"] = "d";
  r = server().Put(path, back.dump());
  EXPECT_EQ(r.status, 200) << r.body;
  back = r.Json();
  back["id"] = 999;
  EXPECT_EQ(server().Put(path, back.dump()).Json()["error"]["field"], "id");
  back["id"] = p["id"];
  back["name"] = "renamed";
  EXPECT_EQ(server().Put(path, back.dump()).Json()["error"]["field"], "name");
}

TEST_P(ApiTest, HundredConcurrentPutsOnOneVersionHaveExactlyOneWinner) {
  Seed();
  const json p = Create("parameters", {{"name", "contended"}, {"dataType", "number"}, {"defaultValue", 0}});
  const std::string path = "/api/v1/parameters/" + std::to_string(p["id"].get<int>());
  std::int64_t version = 1;
  for (int round = 0; round < 3; ++round) {
    std::atomic<int> ok{0}, conflict{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 100; ++i) {
      threads.emplace_back([&, i] {
        const json body = {{"dataType", "number"}, {"defaultValue", i}, {"version", version}};
        const int status = server().Put(path, body.dump()).status;
        (status == 200 ? ok : status == 409 ? conflict : other)++;
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 1) << "round " << round;
    EXPECT_EQ(conflict.load(), 99);
    EXPECT_EQ(other.load(), 0);
    ++version;
    const json now = server().Get(path).Json();
    EXPECT_EQ(now["version"], version);
  }
  // Every accepted write is in the audit trail: create + 3 updates.
  const auto audit = server().Get("/api/v1/audit?resource=parameter&id=" + std::to_string(p["id"].get<int>()));
  EXPECT_EQ(audit.Json()["items"].size(), 4u);
}

TEST_P(ApiTest, RefusesToDeleteWhatIsStillReferencedAndNamesTheUsers) {
  Seed();
  const json seg = Create("segments", json::parse(R"({"name": "US users", "rules": [{"name": "us",
      "conditions": [{"attribute": "country", "operator": "in", "value": "US, CA"}]}]})"));
  EXPECT_EQ(seg["rules"][0]["conditions"][0]["value"], json({"US", "CA"}));  // comma string stored as an array
  const json p = Create("parameters", json::parse(R"({"name": "banner", "dataType": "boolean", "defaultValue": false,
      "rules": [{"type": "segment", "segmentId": )" + std::to_string(seg["id"].get<int>()) + R"(, "value": "true",
                 "rollout": {"percentage": 25.5, "hashAttribute": "user_id"}}]})"));
  ASSERT_TRUE(p["rules"][0]["id"].is_string());
  const auto rev = Revision();
  auto r = server().Delete("/api/v1/attributes/2");  // country, used by the segment
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.Json()["error"]["message"].get<std::string>().find("US users"), std::string::npos) << r.body;
  r = server().Delete("/api/v1/attributes/1");  // user_id, the rollout's hash attribute
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.Json()["error"]["message"].get<std::string>().find("banner"), std::string::npos) << r.body;
  r = server().Delete("/api/v1/segments/" + std::to_string(seg["id"].get<int>()));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(Revision(), rev);
  // Changing the type of an attribute in use is refused too.
  json country = server().Get("/api/v1/attributes/2").Json();
  country["dataType"] = "number";
  EXPECT_EQ(server().Put("/api/v1/attributes/2", country.dump()).status, 409);
  // Once the user is gone, the delete goes through.
  EXPECT_EQ(server().Delete("/api/v1/parameters/" + std::to_string(p["id"].get<int>())).status, 204);
  EXPECT_EQ(server().Delete("/api/v1/segments/" + std::to_string(seg["id"].get<int>())).status, 204);
  EXPECT_EQ(server().Delete("/api/v1/attributes/2").status, 204);
}

TEST_P(ApiTest, ValidationErrorsNameTheFieldAndWriteNothing) {
  Seed();
  const auto rev = Revision();
  struct Case {
    json body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {{{"name", "p"}, {"dataType", "string"}, {"defaultValue", "x"},
        {"rules", {{{"conditions", {{{"attribute", "age"}, {"operator", "contains"}, {"value", 3}}}}, {"value", "y"}}}}},
       "rules[0].conditions[0].operator"},
      {{{"name", "p"}, {"dataType", "string"}, {"defaultValue", "x"},
        {"rules", {{{"conditions", {{{"attribute", "country"}, {"operator", "matches"}, {"value", "("}}}}, {"value", "y"}}}}},
       "rules[0].conditions[0].value"},
      {{{"name", "p"}, {"dataType", "string"}, {"defaultValue", "x"},
        {"rules", {{{"conditions", {{{"attribute", "nope"}, {"operator", "equals"}, {"value", "a"}}}}, {"value", "y"}}}}},
       "rules[0].conditions[0].attribute"},
      {{{"name", "p"}, {"dataType", "number"}, {"defaultValue", 1}, {"rules", {{{"value", "ten"}}}}}, "rules[0].value"},
      {{{"name", "p"}, {"dataType", "number"}, {"defaultValue", 1},
        {"rules", {{{"value", 2}, {"rollout", {{"percentage", 12.505}, {"hashAttribute", "user_id"}}}}}}},
       "rules[0].rollout.percentage"},
      {{{"name", "9lives"}, {"dataType", "string"}, {"defaultValue", "x"}}, "name"},
      {{{"name", "p"}, {"dataType", "text"}, {"defaultValue", "x"}}, "dataType"},
      {{{"name", "p"}, {"dataType", "string"}}, "defaultValue"},
      {{{"name", "p"}, {"dataType", "string"}, {"defaultValue", "x"}, {"color", "red"}}, "color"},
      {{{"name", "p"}, {"dataType", "string"}, {"defaultValue", "x"},
        {"rules", {{{"id", "r1"}, {"value", "a"}}, {{"id", "r1"}, {"value", "b"}}}}},
       "rules[1].id"},
  };
  for (const Case& c : cases) {
    const auto r = server().Post("/api/v1/parameters", c.body.dump());
    EXPECT_EQ(r.status, 400) << c.body.dump() << " -> " << r.body;
    EXPECT_EQ(r.Json()["error"]["code"], "invalid_argument");
    EXPECT_EQ(r.Json()["error"]["field"], c.field) << c.body.dump() << " -> " << r.body;
  }
  EXPECT_EQ(Revision(), rev);
  EXPECT_EQ(server().Get("/api/v1/parameters").Json()["items"].size(), 0u);
}

TEST_P(ApiTest, ExperimentsFollowTheLifecycleStateMachine) {
  Seed();
  Create("parameters", {{"name", "hero"}, {"dataType", "string"}, {"defaultValue", "Welcome"}});
  auto variants = json::array({{{"name", "Control"}, {"trafficAllocation", 50},
                                {"parameters", {{{"parameterName", "hero"}, {"rolloutValue", "A"}}}}},
                               {{"name", "B"}, {"trafficAllocation", 50},
                                {"parameters", {{{"parameterName", "hero"}, {"rolloutValue", "B"}}}}}});
  const json e = Create("experiments", {{"name", "Hero test"}, {"hashAttribute", "user_id"}, {"variants", variants}});
  EXPECT_EQ(e["status"], "draft");
  EXPECT_EQ(e["uuid"].get<std::string>().size(), 36u);
  const std::string path = "/api/v1/experiments/" + std::to_string(e["id"].get<int>());
  EXPECT_EQ(server().Post(path + "/pause", "").status, 409);
  auto r = server().Post(path + "/start", "");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["status"], "running");
  // A running experiment is in the snapshot and decides evaluations.
  const auto eval = server().Post("/api/v1/evaluate", R"({"parameter":"hero","attributes":{"user_id":"user_12345"}})");
  EXPECT_EQ(eval.Json()["source"], "experiment");
  EXPECT_EQ(eval.Json()["experimentId"], e["id"]);
  // A second experiment on the same parameter with an overlapping window cannot start.
  const json e2 = Create("experiments", {{"name", "Hero test 2"}, {"hashAttribute", "user_id"}, {"variants", variants}});
  r = server().Post("/api/v1/experiments/" + std::to_string(e2["id"].get<int>()) + "/start", "");
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.Json()["error"]["message"].get<std::string>().find("Hero test"), std::string::npos);
  EXPECT_EQ(server().Post(path + "/pause", "").Json()["status"], "paused");
  EXPECT_EQ(server().Post(path + "/start", "").Json()["status"], "running");
  EXPECT_EQ(server().Post(path + "/complete", "").Json()["status"], "completed");
  EXPECT_EQ(server().Post(path + "/abort", "").status, 409);
  EXPECT_EQ(server().Post(path + "/start", "").status, 409);
  EXPECT_EQ(server().Post(path + "/explode", "").status, 404);
  // A completed one is gone from the snapshot; status is read-only in updates.
  EXPECT_EQ(server().Get("/api/v1/sdk/config").Json()["experiments"].size(), 0u);
  json changed = server().Get(path).Json();
  changed["status"] = "running";
  EXPECT_EQ(server().Put(path, changed.dump()).Json()["error"]["field"], "status");
  // A future start date schedules.
  json future = {{"name", "Later"}, {"hashAttribute", "user_id"}, {"startDate", "2099-01-01T00:00:00Z"}, {"variants", variants}};
  const json e3 = Create("experiments", future);
  r = server().Post("/api/v1/experiments/" + std::to_string(e3["id"].get<int>()) + "/start", "");
  EXPECT_EQ(r.Json()["status"], "scheduled");
  // A single variant cannot start.
  json lonely = {{"name", "Lonely"}, {"hashAttribute", "user_id"},
                 {"variants", {{{"name", "Only"}, {"trafficAllocation", 100}, {"parameters", json::array()}}}}};
  const json e4 = Create("experiments", lonely);
  EXPECT_EQ(server().Post("/api/v1/experiments/" + std::to_string(e4["id"].get<int>()) + "/start", "").status, 409);
}

TEST_P(ApiTest, EvaluatesOneOrManyParametersWithReasons) {
  Seed();
  Create("parameters", {{"name", "greeting"}, {"dataType", "string"}, {"defaultValue", "Hello"},
                        {"rules", {{{"id", "us"}, {"conditions", {{{"attribute", "country"}, {"operator", "equals"}, {"value", "US"}}}},
                                    {"value", "Howdy"}}}}});
  auto r = server().Post("/api/v1/evaluate", R"({"parameter":"greeting","attributes":{"country":"US"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json(), json::parse(R"({"parameter":"greeting","value":"Howdy","dataType":"string","source":"rule","reason":"rule","ruleId":"us"})"));
  r = server().Post("/api/v1/evaluate", R"({"parameter":"missing","attributes":{}})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json()["error"]["code"], "not_found");
  r = server().Post("/api/v1/evaluate", R"({"parameters":["greeting","missing"],"attributes":{"country":"CA"}})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["results"]["greeting"]["value"], "Hello");
  EXPECT_EQ(r.Json()["results"]["greeting"]["reason"], "default");
  EXPECT_EQ(r.Json()["results"]["missing"]["error"]["code"], "not_found");
  EXPECT_EQ(server().Post("/api/v1/evaluate", R"({"parameter":"greeting","now":"yesterday"})").status, 400);
  EXPECT_EQ(server().Post("/api/v1/evaluate", R"({"parameter":"greeting","parameters":["greeting"]})").status, 400);
}

TEST_P(ApiTest, AuditRecordsBeforeAndAfterOfEveryWrite) {
  Seed();
  json a = server().Get("/api/v1/attributes/3").Json();
  a["description"] = "years";
  ASSERT_EQ(server().Put("/api/v1/attributes/3", a.dump()).status, 200);
  const auto audit = server().Get("/api/v1/audit?order=asc&resource=attribute&id=3").Json()["items"];
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0]["action"], "create");
  EXPECT_TRUE(audit[0]["before"].is_null());
  EXPECT_EQ(audit[1]["action"], "update");
  EXPECT_EQ(audit[1]["before"]["description"], "");
  EXPECT_EQ(audit[1]["after"]["description"], "years");
  EXPECT_EQ(audit[1]["revision"].get<int>(), audit[0]["revision"].get<int>() + 1);
  EXPECT_FALSE(audit[1]["actor"].get<std::string>().empty());
  EXPECT_EQ(server().Get("/api/v1/audit?resource=gizmo").status, 400);
  // Newest first by default; pages follow either order without gaps or repeats.
  const json newest = server().Get("/api/v1/audit?resource=attribute&id=3").Json()["items"];
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_EQ(newest[0]["action"], "update");
  EXPECT_GT(newest[0]["id"].get<int>(), newest[1]["id"].get<int>());
  for (const char* order : {"desc", "asc"}) {
    std::vector<int> ids;
    std::string cursor;
    for (int page = 0; page < 100; ++page) {
      const json p = server().Get(std::string("/api/v1/audit?limit=2&order=") + order + (cursor.empty() ? "" : "&cursor=" + cursor)).Json();
      for (const auto& item : p["items"]) ids.push_back(item["id"].get<int>());
      if (p["nextCursor"].is_null()) break;
      cursor = p["nextCursor"].get<std::string>();
    }
    const json all = server().Get(std::string("/api/v1/audit?limit=1000&order=") + order).Json()["items"];
    ASSERT_EQ(ids.size(), all.size()) << order;
    for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], all[i]["id"].get<int>()) << order;
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end(), [&](int x, int y) { return std::string(order) == "asc" ? x < y : x > y; }));
  }
  // Misspelt filters and orders are refused, not ignored.
  auto r = server().Get("/api/v1/audit?resouce=attribute");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"]["field"], "resouce");
  EXPECT_EQ(server().Get("/api/v1/audit?order=newest").Json()["error"]["field"], "order");
}

TEST_P(ApiTest, RestartKeepsEverything) {
  Seed();
  Create("parameters", {{"name", "kept"}, {"dataType", "json"}, {"defaultValue", {{"a", {1, 2}}}}});
  const auto before = server().Get("/api/v1/sdk/config");
  ASSERT_EQ(server().Stop(), 0);
  StartServer();
  const auto after = server().Get("/api/v1/sdk/config");
  EXPECT_EQ(after.Header("etag"), before.Header("etag"));
  EXPECT_EQ(after.Json()["parameters"], before.Json()["parameters"]);
  EXPECT_EQ(server().Get("/api/v1/parameters").Json()["items"][0]["defaultValue"], json({{"a", {1, 2}}}));
}

TEST_P(ApiTest, OperationsEndpointsAnswer) {
  EXPECT_EQ(server().Get("/healthz").status, 200);
  EXPECT_EQ(server().Get("/readyz").status, 200);
  server().Get("/api/v1/attributes");
  const auto metrics = server().Get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("aurora_http_requests_total{method=\"GET\",route=\"/api/v1/attributes\",status=\"200\"}"),
            std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("aurora_snapshot_revision"), std::string::npos);
  const auto spec = server().Get("/api/openapi.yaml");
  EXPECT_EQ(spec.status, 200);
  EXPECT_NE(spec.body.find("openapi: 3.1"), std::string::npos);
  EXPECT_EQ(server().Get("/nope").status, 404);
  EXPECT_EQ(server().Delete("/healthz").status, 405);
}

AURORA_SERVER_TEST_SUITE(ApiTest);

}  // namespace
}  // namespace aurora::testing
