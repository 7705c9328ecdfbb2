#pragma once

// A running aurora-server on a fresh database, once per backend: SQLite always, PostgreSQL when
// AURORA_TEST_POSTGRES_DSN is set (make test sets it).

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "support/server_process.hpp"

namespace aurora::testing {

class ServerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres" && std::getenv("AURORA_TEST_POSTGRES_DSN") == nullptr) {
      GTEST_SKIP() << "AURORA_TEST_POSTGRES_DSN is not set (make test starts a PostgreSQL server and sets it)";
    }
    db_ = TestDatabase::Make(GetParam());
    StartServer();
  }

  void StartServer(std::map<std::string, std::string> extra = {}) {
    auto env = db_.env;
    env["AUTH_ENABLED"] = "false";
    for (auto& [k, v] : extra) env[k] = v;
    server_ = std::make_unique<ServerProcess>(env);
    ASSERT_TRUE(server_->Start()) << server_->log();
  }

  ServerProcess& server() { return *server_; }

  /// POSTs and expects 201; the created resource.
  nlohmann::json Create(const std::string& plural, const nlohmann::json& body) {
    const auto r = server_->Post("/api/v1/" + plural, body.dump());
    EXPECT_EQ(r.status, 201) << plural << " " << body.dump() << " -> " << r.body;
    return r.Json();
  }

  std::int64_t Revision() {
    const auto r = server_->Get("/api/v1/sdk/metadata");
    return r.Json().value("revision", std::int64_t{-1});
  }

  TestDatabase db_;
  std::unique_ptr<ServerProcess> server_;
};

/// With auth on: the admin and sdk keys the server printed at its first start.
class KeyedServerTest : public ServerTest {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres" && std::getenv("AURORA_TEST_POSTGRES_DSN") == nullptr) {
      GTEST_SKIP() << "AURORA_TEST_POSTGRES_DSN is not set";
    }
    db_ = TestDatabase::Make(GetParam());
    StartServer({{"AUTH_ENABLED", "true"}});
    const std::string log = server().log();
    std::smatch m;
    ASSERT_TRUE(std::regex_search(log, m, std::regex("admin key: (aur_admin_[0-9a-f]+)"))) << log;
    admin_ = m[1];
    ASSERT_TRUE(std::regex_search(log, m, std::regex("sdk key: (aur_sdk_[0-9a-f]+)"))) << log;
    sdk_ = m[1];
  }

  static std::vector<std::pair<std::string, std::string>> Bearer(const std::string& key) {
    return {{"Authorization", "Bearer " + key}};
  }

  std::string admin_, sdk_;
};

inline std::string BackendName(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

#define AURORA_SERVER_TEST_SUITE(suite) \
  INSTANTIATE_TEST_SUITE_P(Backends, suite, ::testing::Values("sqlite", "postgres"), ::aurora::testing::BackendName)

}  // namespace aurora::testing
