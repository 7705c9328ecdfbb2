// HTTP-level tests of the OpenFeature Remote Evaluation Protocol endpoints (docs/ofrep.md)
// against the real aurora-server binary: the context mapping, the reason / variant / metadata
// mapping, the error codes with their statuses, and the bulk endpoint's ETag.
// tests/ofrep/ checks the same responses against the OFREP OpenAPI schema and with the
// official OpenFeature provider.

#include <string>

#include <gtest/gtest.h>

#include "server/server_fixture.hpp"

namespace aurora::testing {
namespace {

using nlohmann::json;

class OfrepTest : public ServerTest {
 protected:
  void Seed() {
    Create("attributes", {{"name", "user_id"}, {"dataType", "string"}});
    Create("attributes", {{"name", "account"}, {"dataType", "string"}});
    Create("attributes", {{"name", "country"}, {"dataType", "string"}});
    Create("attributes", {{"name", "age"}, {"dataType", "number"}});
    Create("parameters",
           {{"name", "static-flag"}, {"dataType", "boolean"}, {"defaultValue", true}});
    Create(
        "parameters",
        {{"name", "greeting"},
         {"dataType", "string"},
         {"defaultValue", "Hello"},
         {"rules",
          {{{"id", "us"},
            {"conditions", {{{"attribute", "country"}, {"operator", "equals"}, {"value", "US"}}}},
            {"value", "Howdy"}},
           {{"id", "everyone"},
            {"conditions", json::array()},
            {"value", "Hi"},
            {"rollout", {{"percentage", 100}, {"hashAttribute", "user_id"}}}}}}});
    Create(
        "parameters",
        {{"name", "limit"},
         {"dataType", "number"},
         {"defaultValue", 10},
         {"rules",
          {{{"id", "adults"},
            {"conditions", {{{"attribute", "age"}, {"operator", "greater_than"}, {"value", 30}}}},
            {"value", 2.5}}}}});
    Create("parameters",
           {{"name", "theme"}, {"dataType", "json"}, {"defaultValue", {{"color", "blue"}}}});
    Create("parameters",
           {{"name", "killed"},
            {"dataType", "boolean"},
            {"enabled", false},
            {"defaultValue", false},
            {"rules", {{{"id", "all"}, {"conditions", json::array()}, {"value", true}}}}});
    Create("parameters", {{"name", "list"}, {"dataType", "json"}, {"defaultValue", {1, 2}}});
    Create("parameters", {{"name", "nothing"}, {"dataType", "json"}, {"defaultValue", nullptr}});
  }

  HttpResult One(const std::string& key, const json& context) {
    return server().Post("/ofrep/v1/evaluate/flags/" + key, json{{"context", context}}.dump());
  }
  HttpResult All(const json& context,
                 const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return server().Post("/ofrep/v1/evaluate/flags", json{{"context", context}}.dump(), headers);
  }
  static json ByKey(const json& bulk, const std::string& key) {
    for (const auto& flag : bulk["flags"]) {
      if (flag["key"] == key) return flag;
    }
    return nullptr;
  }
};

TEST_P(OfrepTest, MapsSourcesToReasonsVariantsAndMetadata) {
  Seed();
  auto r = One("static-flag", {{"targetingKey", "u1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  json b = r.Json();
  EXPECT_EQ(b["key"], "static-flag");
  EXPECT_EQ(b["value"], true);
  EXPECT_EQ(b["reason"], "STATIC");
  EXPECT_EQ(b["variant"], "default");
  EXPECT_EQ(b["metadata"]["source"], "default");
  EXPECT_EQ(b["metadata"]["reason"], "default");
  EXPECT_EQ(b["metadata"]["dataType"], "boolean");
  EXPECT_EQ(b["metadata"]["revision"], Revision());

  // A rule without a rollout is a targeting match; its id is the variant.
  b = One("greeting", {{"targetingKey", "u1"}, {"country", "US"}}).Json();
  EXPECT_EQ(b["value"], "Howdy");
  EXPECT_EQ(b["reason"], "TARGETING_MATCH");
  EXPECT_EQ(b["variant"], "us");
  EXPECT_EQ(b["metadata"]["source"], "rule");
  EXPECT_EQ(b["metadata"]["ruleId"], "us");
  // A rule with a rollout is a split.
  b = One("greeting", {{"targetingKey", "u1"}, {"country", "CA"}}).Json();
  EXPECT_EQ(b["value"], "Hi");
  EXPECT_EQ(b["reason"], "SPLIT");
  EXPECT_EQ(b["variant"], "everyone");

  // No rule applied although there are rules: UNKNOWN (OFREP has no DEFAULT), metadata says so.
  r = One("limit", {{"targetingKey", "u1"}});
  EXPECT_NE(r.body.find(R"("value":10,)"), std::string::npos) << r.body;  // an integer stays one
  b = r.Json();
  EXPECT_EQ(b["value"], 10);
  EXPECT_EQ(b["reason"], "UNKNOWN");
  EXPECT_EQ(b["variant"], "default");
  EXPECT_EQ(b["metadata"]["source"], "default");
  EXPECT_EQ(b["metadata"]["reason"], "default");
  b = One("limit", {{"targetingKey", "u1"}, {"age", 31}}).Json();
  EXPECT_EQ(b["value"], 2.5);
  EXPECT_EQ(b["reason"], "TARGETING_MATCH");

  b = One("theme", {{"targetingKey", "u1"}}).Json();
  EXPECT_EQ(b["value"], json({{"color", "blue"}}));
  EXPECT_EQ(b["reason"], "STATIC");

  // The kill switch: the default value, DISABLED.
  r = One("killed", {{"targetingKey", "u1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  b = r.Json();
  EXPECT_EQ(b["value"], false);
  EXPECT_EQ(b["reason"], "DISABLED");
  EXPECT_EQ(b["variant"], "default");
  EXPECT_EQ(b["metadata"]["reason"], "disabled");

  // A null has no OFREP type: the answer defers to the code default (no value).
  r = One("nothing", {{"targetingKey", "u1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.Json().contains("value"));
  EXPECT_EQ(r.Json()["reason"], "STATIC");

  // An array cannot be carried: GENERAL.
  r = One("list", {{"targetingKey", "u1"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["key"], "list");
  EXPECT_EQ(r.Json()["errorCode"], "GENERAL");
}

TEST_P(OfrepTest, ExperimentsAreSplitsWithTheVariantOfApiEvaluate) {
  Seed();
  Create("parameters", {{"name", "hero"}, {"dataType", "string"}, {"defaultValue", "Welcome"}});
  auto variants =
      json::array({{{"name", "Control"},
                    {"trafficAllocation", 50},
                    {"parameters", {{{"parameterName", "hero"}, {"rolloutValue", "A"}}}}},
                   {{"name", "B"},
                    {"trafficAllocation", 50},
                    {"parameters", {{{"parameterName", "hero"}, {"rolloutValue", "B"}}}}}});
  const json e = Create(
      "experiments", {{"name", "Hero test"}, {"hashAttribute", "user_id"}, {"variants", variants}});
  ASSERT_EQ(server()
                .Post("/api/v1/experiments/" + std::to_string(e["id"].get<int>()) + "/start", "")
                .status,
            200);
  int seen_a = 0;
  int seen_b = 0;
  for (int i = 0; i < 20; ++i) {
    const std::string user = "user_" + std::to_string(i);
    const json aurora =
        server()
            .Post("/api/v1/evaluate",
                  json{{"parameter", "hero"}, {"attributes", {{"user_id", user}}}}.dump())
            .Json();
    const auto r = One("hero", {{"targetingKey", user}});
    ASSERT_EQ(r.status, 200) << r.body;
    const json b = r.Json();
    ASSERT_EQ(aurora["source"], "experiment") << aurora;
    EXPECT_EQ(b["value"], aurora["value"]);
    EXPECT_EQ(b["reason"], "SPLIT");
    EXPECT_EQ(b["variant"], "experiment-" + std::to_string(aurora["experimentId"].get<int>()) +
                                "-variant-" + std::to_string(aurora["variantId"].get<int>()));
    EXPECT_EQ(b["metadata"]["experimentId"], aurora["experimentId"]);
    EXPECT_EQ(b["metadata"]["variantId"], aurora["variantId"]);
    (b["value"] == "A" ? seen_a : seen_b)++;
  }
  EXPECT_GT(seen_a, 0);
  EXPECT_GT(seen_b, 0);
  // Without a targeting key the experiment cannot bucket the user.
  const auto r = One("hero", json::object());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["errorCode"], "TARGETING_KEY_MISSING");
}

TEST_P(OfrepTest, MapsTheContextToAttributes) {
  Seed();
  // targetingKey becomes user_id (the default ofrep.targetingKeyAttribute) ...
  EXPECT_EQ(One("greeting", {{"targetingKey", "u1"}, {"country", "CA"}}).Json()["variant"],
            "everyone");
  // ... and the attribute may also be sent as itself.
  EXPECT_EQ(One("greeting", {{"user_id", "u1"}, {"country", "CA"}}).Json()["variant"], "everyone");
  // The targeting key is needed only when the answer depends on bucketing by it.
  auto r = One("greeting", {{"country", "CA"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["key"], "greeting");
  EXPECT_EQ(r.Json()["errorCode"], "TARGETING_KEY_MISSING");
  EXPECT_NE(r.Json()["errorDetails"].get<std::string>().find("user_id"), std::string::npos);
  r = One("greeting", {{"country", "US"}});  // decided by a rule before the rollout
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["value"], "Howdy");
  EXPECT_EQ(One("greeting", {{"targetingKey", ""}, {"country", "CA"}}).Json()["errorCode"],
            "TARGETING_KEY_MISSING");
  EXPECT_EQ(One("static-flag", json::object()).status, 200);
  // Types follow the JSON: a string "31" is not a number.
  EXPECT_EQ(One("limit", {{"targetingKey", "u1"}, {"age", "31"}}).Json()["value"], 10);
  // Nested values are present but match nothing.
  EXPECT_EQ(
      One("greeting", {{"targetingKey", "u1"}, {"country", {{"code", "US"}}}}).Json()["variant"],
      "everyone");

  // The attribute is configurable. Bucketing by another attribute that is missing is plain
  // Aurora semantics (the rollout does not apply), not a missing targeting key.
  Create("parameters", {{"name", "per-account"},
                        {"dataType", "boolean"},
                        {"defaultValue", false},
                        {"rules",
                         {{{"id", "accounts"},
                           {"conditions", json::array()},
                           {"value", true},
                           {"rollout", {{"percentage", 100}, {"hashAttribute", "account"}}}}}}});
  r = One("per-account", {{"targetingKey", "u1"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["value"], false);
  ASSERT_EQ(server().Stop(), 0);
  StartServer({{"OFREP_TARGETINGKEYATTRIBUTE", "account"}});
  r = One("per-account", {{"targetingKey", "u1"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["value"], true);
  EXPECT_EQ(r.Json()["reason"], "SPLIT");
  EXPECT_EQ(One("per-account", json::object()).Json()["errorCode"], "TARGETING_KEY_MISSING");
  r = One("greeting", {{"targetingKey", "u1"}, {"country", "CA"}});
  EXPECT_EQ(r.status, 200) << r.body;  // the rollout hashes user_id, which is not sent now
  EXPECT_EQ(r.Json()["value"], "Hello");
  EXPECT_EQ(One("greeting", {{"targetingKey", "a1"}, {"user_id", "u1"}, {"country", "CA"}})
                .Json()["variant"],
            "everyone");
}

TEST_P(OfrepTest, ErrorsHaveTheirCodesAndStatuses) {
  Seed();
  auto r = One("missing", {{"targetingKey", "u1"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(
      r.Json(),
      json::parse(
          R"({"key":"missing","errorCode":"FLAG_NOT_FOUND","errorDetails":"flag \"missing\" was not found"})"));

  for (const char* body : {"", "not json", "[1]", "\"x\"", R"({"context":{}, "context":{}})",
                           "{\"context\":{\"a\":\"\xff\"}}"}) {
    r = server().Post("/ofrep/v1/evaluate/flags/greeting", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(r.Json()["errorCode"], "PARSE_ERROR") << body << " -> " << r.body;
    EXPECT_EQ(r.Json()["key"], "greeting");
    EXPECT_TRUE(r.Json()["errorDetails"].is_string());
  }
  for (const char* body :
       {"{}", R"({"context":null})", R"({"context":5})", R"({"context":[]})",
        R"({"context":{"targetingKey":5}})", R"({"context":{"targetingKey":{"id":"u1"}}})"}) {
    r = server().Post("/ofrep/v1/evaluate/flags/greeting", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(r.Json()["errorCode"], "INVALID_CONTEXT") << body << " -> " << r.body;
  }
  // The request is checked before the flag is looked up; unknown fields are ignored.
  EXPECT_EQ(server().Post("/ofrep/v1/evaluate/flags/missing", "nope").Json()["errorCode"],
            "PARSE_ERROR");
  EXPECT_EQ(
      server().Post("/ofrep/v1/evaluate/flags/static-flag", R"({"context":{},"extra":1})").status,
      200);
  // A key with escapes is decoded.
  EXPECT_EQ(server().Post("/ofrep/v1/evaluate/flags/static%2Dflag", R"({"context":{}})").status,
            200);
  // Bulk failures of the whole request carry no key.
  r = server().Post("/ofrep/v1/evaluate/flags", "nope");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["errorCode"], "PARSE_ERROR");
  EXPECT_FALSE(r.Json().contains("key"));
  r = server().Post("/ofrep/v1/evaluate/flags", R"({"context":{"targetingKey":true}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["errorCode"], "INVALID_CONTEXT");
  EXPECT_EQ(server().Get("/ofrep/v1/evaluate/flags").status, 405);
}

TEST_P(OfrepTest, BulkEvaluatesEveryFlagWithAnEtag) {
  Seed();
  auto r = All({{"targetingKey", "u1"}, {"country", "US"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string etag = r.Header("etag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(etag.front(), '"');
  json b = r.Json();
  EXPECT_EQ(b["flags"].size(), 7u);
  EXPECT_EQ(b["metadata"]["revision"], Revision());
  EXPECT_EQ(ByKey(b, "greeting")["value"], "Howdy");
  EXPECT_EQ(ByKey(b, "greeting")["reason"], "TARGETING_MATCH");
  EXPECT_EQ(ByKey(b, "static-flag")["reason"], "STATIC");
  EXPECT_EQ(ByKey(b, "killed")["reason"], "DISABLED");
  EXPECT_EQ(ByKey(b, "list")["errorCode"], "GENERAL");
  EXPECT_FALSE(ByKey(b, "list").contains("value"));

  // Same context, same flags: 304 with the same tag (weak comparison, lists).
  for (const std::string& header : {etag, "W/" + etag, "\"x\", " + etag, std::string("*")}) {
    const auto again =
        All({{"targetingKey", "u1"}, {"country", "US"}}, {{"If-None-Match", header}});
    EXPECT_EQ(again.status, 304) << header;
    EXPECT_EQ(again.Header("etag"), etag);
    EXPECT_TRUE(again.body.empty());
  }
  // Another context answers differently, so its tag differs and the old one does not match.
  r = All({{"targetingKey", "u1"}, {"country", "CA"}}, {{"If-None-Match", etag}});
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.Header("etag"), etag);
  EXPECT_EQ(ByKey(r.Json(), "greeting")["value"], "Hi");
  // Per-flag failures stay in the list.
  r = All({{"country", "CA"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(ByKey(r.Json(), "greeting")["errorCode"], "TARGETING_KEY_MISSING");
  EXPECT_EQ(ByKey(r.Json(), "static-flag")["value"], true);

  // A change makes the tag stale.
  Create("parameters", {{"name", "new-flag"}, {"dataType", "string"}, {"defaultValue", "x"}});
  r = All({{"targetingKey", "u1"}, {"country", "US"}}, {{"If-None-Match", etag}});
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.Header("etag"), etag);
  EXPECT_EQ(r.Json()["flags"].size(), 8u);
}

TEST_P(OfrepTest, BulkWithNoFlagsIsAnEmptyList) {
  const auto r = All(json::object());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["flags"], json::array());
}

AURORA_SERVER_TEST_SUITE(OfrepTest);

}  // namespace
}  // namespace aurora::testing
