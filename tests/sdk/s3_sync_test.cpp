// The SDK reading snapshots from S3 (issue: S3 distribution): the real aurora-server of this
// build publishes to the local s3rver (behind the SigV4-checking proxy; AURORA_TEST_S3_ENDPOINT,
// set by make test), and a Client with enable_s3 reads `<prefix>snapshot.json` first and the API
// second. Skipped without the S3 server.

#include <atomic>
#include <filesystem>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "aurora/aurora.hpp"

#include "s3/curl_s3_client.hpp"
#include "sdk/sdk_test_support.hpp"
#include "support/s3_fixture.hpp"
#include "support/server_process.hpp"

namespace aurora::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class SdkS3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (S3Endpoint().empty()) GTEST_SKIP() << kS3SkipMessage;
    db_ = TestDatabase::Make("sqlite");
    prefix_ = UniquePrefix("sdk");
  }
  void TearDown() override {
    if (!prefix_.empty()) S3Fault(prefix_, "off");
    server_.reset();
    if (!db_.dir.empty()) std::filesystem::remove_all(db_.dir);
  }

  /// An aurora-server publishing to S3 under prefix_ (or not publishing at all).
  void StartServer(bool publish) {
    auto env = db_.env;
    env["AUTH_ENABLED"] = "false";
    env["JOBS_POLLINTERVAL"] = "100ms";
    env["JOBS_BACKOFF"] = "100ms";
    env["JOBS_MAXBACKOFF"] = "400ms";
    if (publish) env.merge(S3ServerEnv(prefix_));
    server_ = std::make_unique<ServerProcess>(env);
    ASSERT_TRUE(server_->Start()) << server_->log();
  }

  std::string Endpoint() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  std::int64_t Revision() const {
    return server_->Get("/api/v1/sdk/metadata").Json().value("revision", std::int64_t{-1});
  }

  /// welcome_message: "Hello" by default. Returns its id.
  std::int64_t Seed() {
    EXPECT_EQ(server_->Post("/api/v1/attributes", R"({"name":"country","dataType":"string"})").status,
              201);
    const auto r = server_->Post(
        "/api/v1/parameters",
        R"({"name":"welcome_message","dataType":"string","defaultValue":"Hello"})");
    EXPECT_EQ(r.status, 201) << r.body;
    return r.Json().value("id", std::int64_t{0});
  }

  void SetDefault(std::int64_t id, const std::string& value) {
    const std::string path = "/api/v1/parameters/" + std::to_string(id);
    const auto current = server_->Get(path);
    ASSERT_EQ(current.status, 200) << current.body;
    const json body = {{"defaultValue", value}, {"version", current.Json()["version"]}};
    const auto r = server_->Patch(path, body.dump());
    ASSERT_EQ(r.status, 200) << r.body;
  }

  /// The revision of snapshot.json in the bucket (from the document itself), or -1.
  std::int64_t S3Revision() {
    s3::CurlS3Client s3(S3TestOptions());
    auto got = s3.Get(s3::GetRequest{prefix_ + "snapshot.json", "", {}});
    if (!got) return -1;
    // s3rver may serve an object that is still being written as empty or partial: not yet.
    const json doc = json::parse(got->body, nullptr, false);
    return doc.is_object() ? doc.value("revision", std::int64_t{-1}) : -1;
  }

  void PutS3Snapshot(const std::string& body) {
    s3::CurlS3Client s3(S3TestOptions());
    s3::PutRequest put;
    put.key = prefix_ + "snapshot.json";
    put.body = body;
    ASSERT_TRUE(s3.Put(put)) << "put snapshot.json";
  }

  /// A client of `endpoint` reading the test bucket under prefix_, in memory, with `more` applied.
  std::unique_ptr<Client> MakeClient(const std::string& endpoint,
                                     const std::vector<ClientOption>& more) {
    ClientOptions o{.endpoint_url = endpoint};
    o.enable_s3 = true;
    o.s3_bucket = S3Bucket();
    o.s3_endpoint = S3Endpoint();
    o.s3_region = "us-east-1";
    o.s3_access_key = "S3RVER";
    o.s3_secret_key = "S3RVER";
    o.s3_prefix = prefix_;
    o.s3_path_style = true;
    o.in_memory_only = true;
    o.log_sink = logs_.Sink();
    o.timeout = 3s;
    o.backoff_initial = 50ms;
    o.backoff_max = 200ms;
    for (const auto& option : more) option.ApplyTo(o);
    return std::make_unique<Client>(std::move(o));
  }

  TestDatabase db_;
  std::string prefix_;
  std::unique_ptr<ServerProcess> server_;
  LogCollector logs_;
  const Attributes user_ = Attributes().SetString("country", "FR");
};

TEST_F(SdkS3Test, ReadsTheSnapshotFromS3WhileTheApiIsDown) {
  StartServer(true);
  const auto id = Seed();
  SetDefault(id, "Bonjour");
  const std::int64_t revision = Revision();
  ASSERT_TRUE(WaitUntil([&] { return S3Revision() == revision; }, 10s)) << server_->log();
  const std::string endpoint = Endpoint();
  server_->Kill();

  auto client = MakeClient(endpoint, {WithStreaming(false)});
  const ClientStatus status = client->Start();
  ASSERT_TRUE(status.ready) << logs_.All();
  EXPECT_EQ(status.origin, SnapshotOrigin::kS3);
  EXPECT_EQ(status.revision, revision);
  EXPECT_EQ(status.error.kind(), ErrorKind::kNone) << "S3 answered: the sync succeeded";
  EXPECT_EQ(client->EvaluateParameter("welcome_message", user_).AsString(""), "Bonjour");
  EXPECT_GE(S3Count("GET", prefix_ + "snapshot.json"), 1);
}

TEST_F(SdkS3Test, ReadsS3FirstFallsBackToTheApiWhenS3FailsAndReturnsToS3) {
  StartServer(true);
  const auto id = Seed();
  ASSERT_TRUE(WaitUntil([&] { return S3Revision() == Revision(); }, 10s)) << server_->log();
  auto client = MakeClient(Endpoint(), {WithStreaming(false), WithRefreshRate(50ms)});
  ASSERT_TRUE(client->Start().ready) << logs_.All();
  EXPECT_EQ(client->Status().origin, SnapshotOrigin::kS3);
  // Unchanged: conditional GETs answered 304 by S3.
  ASSERT_TRUE(WaitUntil([&] { return S3Count("GET", prefix_ + "snapshot.json", 304) >= 2; }, 5s));

  // S3 fails: the API serves the change.
  S3Fault(prefix_, "503");
  SetDefault(id, "Salut");
  ASSERT_TRUE(WaitUntil(
      [&] { return client->EvaluateParameter("welcome_message", user_).AsString("") == "Salut"; },
      10s))
      << logs_.All();
  EXPECT_EQ(client->Status().origin, SnapshotOrigin::kServer);
  EXPECT_EQ(client->Status().error.kind(), ErrorKind::kNone);
  EXPECT_GE(logs_.Count("asking the API", LogLevel::kWarn), 1) << logs_.All();

  // S3 is back, the API goes away: the next change comes through S3.
  S3Fault(prefix_, "off");
  SetDefault(id, "Hallo");
  const std::int64_t revision = Revision();
  ASSERT_TRUE(WaitUntil([&] { return S3Revision() == revision; }, 10s)) << server_->log();
  server_->Kill();
  ASSERT_TRUE(WaitUntil(
      [&] { return client->EvaluateParameter("welcome_message", user_).AsString("") == "Hallo"; },
      10s))
      << logs_.All();
  EXPECT_EQ(client->Status().revision, revision);
  EXPECT_EQ(client->Status().origin, SnapshotOrigin::kS3);
}

TEST_F(SdkS3Test, AnOlderSnapshotInS3NeverTakesTheClientBack) {
  StartServer(false);  // the test writes the bucket itself
  const auto id = Seed();
  const std::string old_doc = server_->Get("/api/v1/sdk/config").body;
  const std::int64_t old_revision = Revision();
  SetDefault(id, "Newer");
  const std::int64_t new_revision = Revision();
  ASSERT_GT(new_revision, old_revision);
  PutS3Snapshot(old_doc);

  std::mutex mutex;
  std::vector<std::pair<std::int64_t, std::int64_t>> changes;
  auto client = MakeClient(
      Endpoint(),
      {WithStreaming(true), WithRefreshRate(30ms),
       WithOnChange([&](std::int64_t from, std::int64_t to) {
         std::lock_guard lock(mutex);
         changes.emplace_back(from, to);
       })});
  ASSERT_TRUE(client->Start().ready) << logs_.All();
  // S3 has the old revision; the event stream announces the newer one, which the API serves.
  ASSERT_TRUE(WaitUntil([&] { return client->Status().revision == new_revision; }, 10s))
      << logs_.All();
  // Many more polls read the old object from S3 (304s): the client stays on the newer one.
  const int before = S3Count("GET", prefix_ + "snapshot.json", 304);
  ASSERT_TRUE(WaitUntil([&] { return S3Count("GET", prefix_ + "snapshot.json", 304) >= before + 5; },
                        5s));
  EXPECT_EQ(client->Status().revision, new_revision);
  EXPECT_EQ(client->EvaluateParameter("welcome_message", user_).AsString(""), "Newer");
  {
    std::lock_guard lock(mutex);
    ASSERT_FALSE(changes.empty());
    for (const auto& [from, to] : changes) EXPECT_LT(from, to) << "a revision went backwards";
    EXPECT_EQ(changes.back().second, new_revision);
  }

  // A client that already has the newer revision (from the API) and then reads the old object
  // for the first time ignores it too.
  auto second = MakeClient(Endpoint(), {WithStreaming(false), WithRefreshRate(30ms)});
  S3Fault(prefix_, "503");
  ASSERT_TRUE(second->Start().ready) << logs_.All();
  EXPECT_EQ(second->Status().revision, new_revision);
  S3Fault(prefix_, "off");
  ASSERT_TRUE(
      WaitUntil([&] { return S3Count("GET", prefix_ + "snapshot.json", 200) >= 2; }, 5s));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(second->Status().revision, new_revision);
  EXPECT_GE(logs_.Count("older than revision", LogLevel::kWarn), 1) << logs_.All();
}

TEST_F(SdkS3Test, ACorruptObjectInS3IsIgnoredAndTheApiServes) {
  StartServer(false);
  Seed();
  PutS3Snapshot(R"({"formatVersion":1,"revision":99,"parameters":[)");  // truncated
  auto client = MakeClient(Endpoint(), {WithStreaming(false)});
  const ClientStatus status = client->Start();
  ASSERT_TRUE(status.ready) << logs_.All();
  EXPECT_EQ(status.origin, SnapshotOrigin::kServer);
  EXPECT_EQ(status.revision, Revision());
  EXPECT_GE(logs_.Count("cannot be loaded", LogLevel::kWarn), 1) << logs_.All();
}

TEST(SdkS3OptionsTest, EnablingS3WithoutABucketOrWithABadEndpointIsAConfigurationError) {
  for (const auto& edit : std::vector<std::function<void(ClientOptions&)>>{
           [](ClientOptions& o) { o.s3_bucket.clear(); },
           [](ClientOptions& o) { o.s3_endpoint = "ftp://example"; }}) {
    ClientOptions options{.endpoint_url = "http://127.0.0.1:1"};
    options.enable_s3 = true;
    options.s3_bucket = "b";
    options.in_memory_only = true;
    options.log_level = LogLevel::kOff;
    edit(options);
    Client client(options);
    const ClientStatus status = client.Start();
    EXPECT_FALSE(status.ready);
    EXPECT_EQ(status.error.kind(), ErrorKind::kConfiguration) << status.error.message();
  }
}

}  // namespace
}  // namespace aurora::testing
