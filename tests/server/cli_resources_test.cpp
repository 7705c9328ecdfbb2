// `aurora parameters|segments|attributes|experiments ...` against a real server with a key:
// list, get, set (create, then merge-patch at the version read), delete, by name; errors exit
// non-zero with the server's message. SQLite and PostgreSQL.

#include <gtest/gtest.h>

#include <cstdio>

#include "server/server_fixture.hpp"

namespace aurora::testing {
namespace {

using nlohmann::json;

class CliResourcesTest : public KeyedServerTest {
 protected:
  // Runs the CLI with the server's address and a key in the environment; stdin from `input`.
  CommandResult Aurora(const std::string& args, const std::string& key, const std::string& input = "") {
    return RunCommand("printf '%s' '" + input + "' | AURORA_URL=http://127.0.0.1:" + std::to_string(server().port()) +
                      " AURORA_KEY=" + key + " " + std::string(AURORA_CLI_PATH) + " " + args + " 2>&1");
  }
};

TEST_P(CliResourcesTest, ManagesResourcesByNameThroughTheApi) {
  auto r = Aurora(R"(attributes set user_id '{"dataType":"string"}')", admin_);
  ASSERT_EQ(r.code, 0) << r.out;
  r = Aurora(R"(parameters set new_checkout '{"dataType":"boolean","defaultValue":false}')", admin_);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(json::parse(r.out)["version"], 1);
  // A second set changes only what it names, at the version it read.
  r = Aurora(R"(parameters set new_checkout '{"enabled":false}')", admin_);
  ASSERT_EQ(r.code, 0) << r.out;
  const json changed = json::parse(r.out);
  EXPECT_EQ(changed["enabled"], false);
  EXPECT_EQ(changed["defaultValue"], false);
  EXPECT_EQ(changed["version"], 2);
  // From stdin, into another environment.
  ASSERT_EQ(server().Post("/api/v1/environments", R"({"name":"staging"})", Bearer(admin_)).status, 201);
  r = Aurora("parameters set new_checkout - --environment staging", admin_, R"({"enabled":true})");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(server().Get("/api/v1/parameters/new_checkout?environment=staging", Bearer(admin_)).Json()["enabled"], true);
  EXPECT_EQ(server().Get("/api/v1/parameters/new_checkout", Bearer(admin_)).Json()["enabled"], false);
  // list as a table and as JSON; get as JSON.
  r = Aurora("parameters list", admin_);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("new_checkout"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dataType"), std::string::npos) << r.out;
  r = Aurora("parameters list --output json", admin_);
  ASSERT_EQ(r.code, 0);
  EXPECT_EQ(json::parse(r.out).size(), 1u);
  r = Aurora("parameters get new_checkout", admin_);
  ASSERT_EQ(r.code, 0);
  EXPECT_EQ(json::parse(r.out)["name"], "new_checkout");
  // Errors: the server's message, a non-zero exit.
  r = Aurora(R"(parameters set new_checkout '{"defaultValue":"maybe"}')", admin_);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("defaultValue"), std::string::npos) << r.out;
  r = Aurora("parameters get nothing_here", admin_);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("404"), std::string::npos) << r.out;
  EXPECT_EQ(Aurora("parameters list", sdk_).code, 1);         // 403 for an sdk key
  EXPECT_EQ(Aurora("parameters list", "aur_admin_bad").code, 1);  // 401
  EXPECT_EQ(Aurora("parameters set x 'not json'", admin_).code, 64);
  EXPECT_EQ(Aurora("parameters frobnicate", admin_).code, 64);
  EXPECT_EQ(Aurora("parameters list --server http://127.0.0.1:1", admin_).code, 2);  // unreachable
  // delete by name.
  r = Aurora("parameters delete new_checkout", admin_);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(server().Get("/api/v1/parameters/new_checkout", Bearer(admin_)).status, 404);
  // The writes are audited with the key's name.
  const json audit = server().Get("/api/v1/audit?resource=parameter", Bearer(admin_)).Json()["items"];
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit[0]["action"], "delete");
  EXPECT_EQ(audit[0]["actor"], "key:bootstrap admin");
}

AURORA_SERVER_TEST_SUITE(CliResourcesTest);

}  // namespace
}  // namespace aurora::testing
