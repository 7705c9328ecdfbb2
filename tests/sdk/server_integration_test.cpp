// The SDK against the real aurora-server of this build (AURORA_SERVER_PATH): first sync,
// changes made through the API, the persistent LMDB cache while the server is down, a server
// killed mid-run and brought back, and SDK keys when authentication is on.

#include <atomic>
#include <filesystem>
#include <regex>

#include <gtest/gtest.h>
#include <unistd.h>

#include "aurora/aurora.hpp"

#include "sdk/local_http_server.hpp"
#include "sdk/sdk_test_support.hpp"
#include "server/server_fixture.hpp"

namespace aurora::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class SdkServerTest : public ServerTest {
 protected:
  void TearDown() override {
    if (!cache_dir_.empty()) std::filesystem::remove_all(cache_dir_);
  }

  /// Attributes and a welcome_message parameter: "Hello", or "Hi US" for country US.
  std::int64_t Seed() {
    Create("attributes", {{"name", "user_id"}, {"dataType", "string"}});
    Create("attributes", {{"name", "country"}, {"dataType", "string"}});
    const json p = Create(
        "parameters",
        {{"name", "welcome_message"},
         {"dataType", "string"},
         {"defaultValue", "Hello"},
         {"rules",
          {{{"id", "us"},
            {"conditions", {{{"attribute", "country"}, {"operator", "equals"}, {"value", "US"}}}},
            {"value", "Hi US"}}}}});
    return p.value("id", std::int64_t{0});
  }

  void SetDefault(ServerProcess& server, std::int64_t id, const std::string& value) {
    const std::string path = "/api/v1/parameters/" + std::to_string(id);
    const auto current = server.Get(path);
    ASSERT_EQ(current.status, 200) << current.body;
    const json body = {{"defaultValue", value}, {"version", current.Json()["version"]}};
    const auto r = server.Patch(path, body.dump());
    ASSERT_EQ(r.status, 200) << r.body;
  }

  std::string CacheDir() {
    if (cache_dir_.empty()) {
      static int counter = 0;
      cache_dir_ =
          (std::filesystem::temp_directory_path() /
           ("aurora_sdk_cache_" + std::to_string(getpid()) + "_" + std::to_string(counter++)))
              .string();
    }
    return cache_dir_;
  }

  std::string Endpoint() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  LogCollector logs_;
  std::string cache_dir_;
  const Attributes us_ = Attributes().SetString("user_id", "u1").SetString("country", "US");
  const Attributes fr_ = Attributes().SetString("user_id", "u2").SetString("country", "FR");
};

TEST_P(SdkServerTest, StartsEvaluatesAndSeesAChangeMadeThroughTheApi) {
  const auto id = Seed();
  Client client(ClientOptions{.endpoint_url = Endpoint()}, WithInMemoryOnly(true),
                WithRefreshRate(100ms), WithLogSink(logs_.Sink()), WithTimeout(5s));
  const ClientStatus status = client.Start();
  ASSERT_TRUE(status.ready) << status.error.message() << "\n" << logs_.All();
  EXPECT_EQ(status.revision, Revision());
  EXPECT_EQ(client.EvaluateParameter("welcome_message", us_).AsString(""), "Hi US");
  EXPECT_EQ(client.EvaluateParameter("welcome_message", fr_).AsString(""), "Hello");
  EXPECT_EQ(client.EvaluateParameter("unknown", fr_).Error().kind(), ErrorKind::kParameterNotFound);

  SetDefault(server(), id, "Bonjour");
  EXPECT_TRUE(WaitUntil(
      [&] { return client.EvaluateParameter("welcome_message", fr_).AsString("") == "Bonjour"; },
      10s));
  EXPECT_EQ(client.Status().revision, Revision());
  EXPECT_EQ(client.EvaluateParameter("welcome_message", us_).AsString(""), "Hi US");
  // The SDK agrees with the server's own evaluation.
  const auto remote = server().Post(
      "/api/v1/evaluate", R"({"parameter":"welcome_message","attributes":{"country":"FR"}})");
  EXPECT_EQ(remote.Json()["value"], "Bonjour");
}

TEST_P(SdkServerTest, AChangeArrivesThroughTheEventStreamWithoutWaitingForAPoll) {
  const auto id = Seed();
  Client client(ClientOptions{.endpoint_url = Endpoint()}, WithInMemoryOnly(true), WithRefreshRate(1h),
                WithStreaming(true), WithLogSink(logs_.Sink()), WithTimeout(5s));
  ASSERT_TRUE(client.Start().ready) << logs_.All();
  // Let the stream connect (its first event announces the revision we already have).
  std::this_thread::sleep_for(300ms);
  SetDefault(server(), id, "Salut");
  EXPECT_TRUE(WaitUntil([&] { return client.EvaluateParameter("welcome_message", fr_).AsString("") == "Salut"; }, 10s))
      << logs_.All();
  const auto start = std::chrono::steady_clock::now();
  client.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s) << "Stop closes the open stream at once";
}

TEST_P(SdkServerTest, AfterAFirstSyncItStartsFromTheCacheWhileTheServerIsDown) {
  Seed();
  {
    Client client(ClientOptions{.endpoint_url = Endpoint()}, WithPath(CacheDir()),
                  WithLogSink(logs_.Sink()), WithTimeout(5s));
    ASSERT_TRUE(client.Start().ready) << logs_.All();
  }
  const std::int64_t revision = Revision();
  const std::string endpoint = Endpoint();
  server().Kill();
  Client client(ClientOptions{.endpoint_url = endpoint}, WithPath(CacheDir()),
                WithLogSink(logs_.Sink()), WithTimeout(2s), WithBackoff(50ms, 200ms));
  const ClientStatus status = client.Start();
  EXPECT_TRUE(status.ready);
  EXPECT_EQ(status.origin, SnapshotOrigin::kCache);
  EXPECT_EQ(status.revision, revision);
  EXPECT_EQ(status.error.kind(), ErrorKind::kNetwork);
  EXPECT_EQ(client.EvaluateParameter("welcome_message", us_).AsString(""), "Hi US");
  EXPECT_EQ(client.EvaluateParameter("welcome_message", fr_).AsString(""), "Hello");
}

TEST_P(SdkServerTest, AServerKilledMidRunLeavesValuesUnchangedAndSyncResumesWhenItReturns) {
  const auto id = Seed();
  // The client talks to a fixed local port that forwards to whichever server is up, so a
  // restarted server (on a new port) is the same endpoint to the client.
  std::atomic<std::uint16_t> upstream{server().port()};
  LocalHttpServer proxy([&](const LocalHttpServer::Request& r, LocalHttpServer::Connection& c) {
    if (r.target == "/api/v1/sdk/stream") {
      c.Respond(404, "{}");
      return;
    }
    std::vector<std::pair<std::string, std::string>> headers;
    for (const char* name : {"if-none-match", "authorization", "accept-encoding", "accept"}) {
      if (!r.Header(name).empty()) headers.emplace_back(name, r.Header(name));
    }
    const HttpResult answer = Http(upstream, r.method, r.target, "", headers, 5s);
    if (answer.status == 0) return;  // upstream down: hang up without an answer
    std::vector<std::pair<std::string, std::string>> out;
    for (const char* name : {"etag", "content-type", "content-encoding"}) {
      if (!answer.Header(name).empty()) out.emplace_back(name, answer.Header(name));
    }
    if (answer.status == 304) {
      std::string head = "HTTP/1.1 304 Not Modified\r\nConnection: close\r\n";
      for (const auto& [k, v] : out) head += k + ": " + v + "\r\n";
      c.Send(head + "\r\n");
      return;
    }
    c.Respond(answer.status, answer.body, out);
  });
  Client client(ClientOptions{.endpoint_url = proxy.url()}, WithPath(CacheDir()),
                WithRefreshRate(100ms), WithBackoff(50ms, 300ms), WithTimeout(3s),
                WithLogSink(logs_.Sink()));
  ASSERT_TRUE(client.Start().ready) << logs_.All();
  const std::int64_t revision = client.Status().revision;

  server().Kill();
  ASSERT_TRUE(WaitUntil([&] { return client.Status().error.kind() == ErrorKind::kNetwork; }));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(client.Status().revision, revision);
  EXPECT_EQ(client.EvaluateParameter("welcome_message", us_).AsString(""), "Hi US");
  EXPECT_EQ(client.EvaluateParameter("welcome_message", fr_).AsString(""), "Hello");

  // The same database, a new process.
  StartServer();
  upstream = server().port();
  ASSERT_TRUE(WaitUntil([&] { return client.Status().error.kind() == ErrorKind::kNone; }, 10s))
      << logs_.All();
  SetDefault(server(), id, "Hallo");
  EXPECT_TRUE(WaitUntil(
      [&] { return client.EvaluateParameter("welcome_message", fr_).AsString("") == "Hallo"; },
      10s));
  EXPECT_EQ(client.Status().revision, revision + 1);
  EXPECT_EQ(logs_.Count("sync recovered"), 1);
}

TEST_P(SdkServerTest, TheStreamReconnectsAfterAServerRestartAndCarriesTheNextChange) {
  const auto id = Seed();
  std::atomic<int> changes{0};
  Client client(ClientOptions{.endpoint_url = Endpoint()}, WithInMemoryOnly(true),
                WithRefreshRate(1h), WithStreaming(true), WithBackoff(50ms, 200ms),
                WithOnChange([&](std::int64_t, std::int64_t) { ++changes; }),
                WithLogSink(logs_.Sink()), WithTimeout(5s));
  ASSERT_TRUE(client.Start().ready) << logs_.All();
  std::this_thread::sleep_for(300ms);  // the stream is open
  SetDefault(server(), id, "before");
  ASSERT_TRUE(WaitUntil(
      [&] { return client.EvaluateParameter("welcome_message", fr_).AsString("") == "before"; }, 5s))
      << logs_.All();

  // The same server again, on the same port and database, after a restart.
  const std::uint16_t port = server().port();
  ASSERT_EQ(server().Stop(), 0) << server().log();
  std::this_thread::sleep_for(300ms);  // the client notices and retries with backoff
  auto env = db_.env;
  env["AUTH_ENABLED"] = "false";
  env["SERVICE_PORT"] = std::to_string(port);
  server_ = std::make_unique<ServerProcess>(env);
  ASSERT_TRUE(server_->Start()) << server_->log();

  // With polling an hour away, only a reconnected stream can bring this change.
  std::this_thread::sleep_for(500ms);
  SetDefault(server(), id, "after");
  EXPECT_TRUE(WaitUntil(
      [&] { return client.EvaluateParameter("welcome_message", fr_).AsString("") == "after"; }, 10s))
      << logs_.All();
  EXPECT_EQ(client.Status().revision, Revision());
}

TEST_P(SdkServerTest, WithAuthenticationOnlyAValidSdkKeyIsServed) {
  // A second server on its own database with authentication on: it prints its first keys.
  TestDatabase db = TestDatabase::Make(GetParam());
  auto env = db.env;
  env["AUTH_ENABLED"] = "true";
  ServerProcess secured(env);
  ASSERT_TRUE(secured.Start()) << secured.log();
  std::smatch match;
  const std::string log = secured.log();
  if (!std::regex_search(log, match, std::regex("sdk key: (aur_sdk_[A-Za-z0-9_-]+)"))) {
    GTEST_SKIP() << "this server build prints no SDK key";
  }
  const std::string key = match[1];
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(secured.port());
  {
    Client client(ClientOptions{.endpoint_url = endpoint, .sdk_key = key}, WithInMemoryOnly(true),
                  WithLogSink(logs_.Sink()));
    const ClientStatus status = client.Start();
    EXPECT_TRUE(status.ready) << status.error.message();
  }
  for (const std::string& bad : {std::string(), std::string("aur_sdk_wrong")}) {
    Client client(ClientOptions{.endpoint_url = endpoint, .sdk_key = bad}, WithInMemoryOnly(true),
                  WithLogSink(logs_.Sink()));
    const ClientStatus status = client.Start();
    EXPECT_FALSE(status.ready);
    EXPECT_EQ(status.error.kind(), ErrorKind::kConfiguration) << status.error.message();
  }
}

AURORA_SERVER_TEST_SUITE(SdkServerTest);

}  // namespace
}  // namespace aurora::testing
