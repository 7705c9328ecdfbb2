// Client on fakes: FakeTransport for the server, MemoryKvStore for the cache.

#include <atomic>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aurora/aurora.hpp"

#include "sdk/sdk_test_support.hpp"
#include "support/fake_transport.hpp"
#include "support/memory_kv_store.hpp"

namespace aurora::testing {
namespace {

using namespace std::chrono_literals;

class ClientTest : public ::testing::Test {
 protected:
  /// A client on transport_ (and store_ unless in_memory), quiet, polling every `refresh`.
  std::unique_ptr<Client> MakeClient(std::chrono::milliseconds refresh = 1h, bool in_memory = false,
                                     std::vector<ClientOption> extra = {}) {
    ClientOptions options{.endpoint_url = "http://aurora.test/", .sdk_key = sdk_key_};
    options.transport = transport_;
    options.kv_store = store_;
    options.in_memory_only = in_memory;
    options.refresh_rate = refresh;
    options.streaming = false;
    options.timeout = 2s;
    options.backoff_initial = 10ms;
    options.backoff_max = 50ms;
    options.log_sink = logs_.Sink();
    options.log_level = LogLevel::kDebug;
    for (const auto& option : extra) option.ApplyTo(options);
    return std::make_unique<Client>(std::move(options));
  }

  std::string sdk_key_ = "aur_sdk_secret";
  std::shared_ptr<FakeTransport> transport_ = std::make_shared<FakeTransport>();
  std::shared_ptr<MemoryKvStore> store_ = std::make_shared<MemoryKvStore>();
  LogCollector logs_;
  const Attributes us_ = Attributes().SetString("country", "US").SetString("user_id", "user_12345");
};

TEST_F(ClientTest, StartsReadyFromTheServerAndEvaluatesLocally) {
  transport_->ServeSnapshot(SnapshotJson(1), 1);
  auto client = MakeClient();
  const ClientStatus status = client->Start();
  EXPECT_TRUE(status.ready);
  EXPECT_EQ(status.revision, 1);
  EXPECT_EQ(status.origin, SnapshotOrigin::kServer);
  EXPECT_EQ(status.error.kind(), ErrorKind::kNone);

  const auto rule = client->EvaluateParameter("welcome_message", us_);
  EXPECT_FALSE(rule.HasError());
  EXPECT_EQ(rule.AsString("x"), "Hi US");
  EXPECT_EQ(rule.Source(), Source::kRule);
  EXPECT_EQ(rule.Reason(), Reason::kRule);
  EXPECT_EQ(rule.RuleId(), "r1");
  EXPECT_EQ(rule.Revision(), 1);
  EXPECT_EQ(rule.DataType(), DataType::kString);

  const auto fallback =
      client->EvaluateParameter("welcome_message", Attributes().SetString("country", "FR"));
  EXPECT_EQ(fallback.AsString("x"), "Hello");
  EXPECT_EQ(fallback.Source(), Source::kDefault);
  EXPECT_TRUE(fallback.RuleId().empty());

  // SPEC §3 reference: user_12345 has hash bucket 2530 in this experiment: variant 1.
  const auto experiment = client->EvaluateParameter("hero_title", us_);
  EXPECT_EQ(experiment.AsString("x"), "Welcome");
  EXPECT_EQ(experiment.Source(), Source::kExperiment);
  EXPECT_EQ(experiment.ExperimentId(), 7);
  EXPECT_EQ(experiment.VariantId(), 1);
}

TEST_F(ClientTest, TypedAccessFollowsTheEnginesValueRules) {
  transport_->ServeSnapshot(SnapshotJson(1), 1);
  auto client = MakeClient();
  ASSERT_TRUE(client->Start().ready);
  const auto retries = client->EvaluateParameter("max_retries");
  EXPECT_EQ(retries.AsInt(0), 3);
  EXPECT_EQ(retries.AsDouble(0), 3.0);
  EXPECT_EQ(retries.AsFloat64(0), 3.0);
  EXPECT_EQ(retries.AsString("s"), "s");
  EXPECT_EQ(retries.AsBool(false), false);
  EXPECT_EQ(retries.AsJson("null"), "3");
  const auto ratio = client->EvaluateParameter("ratio");
  EXPECT_EQ(ratio.AsInt(-1), -1);  // AsInt only takes integral numbers
  EXPECT_EQ(ratio.AsDouble(0), 0.5);
  EXPECT_TRUE(client->EvaluateParameter("new_feature_enabled").AsBool(false));
  const auto config = client->EvaluateParameter("feature_config");
  EXPECT_EQ(nlohmann::json::parse(config.AsJson("{}")),
            nlohmann::json::parse(R"({"colors":["red","green"],"size":2})"));
  EXPECT_EQ(config.AsString("fallback"), "fallback");
  EXPECT_EQ(config.Value()->kind(), Value::Kind::kObject);
  const auto welcome = client->EvaluateParameter("welcome_message");
  EXPECT_EQ(welcome.AsJson(""), "\"Hello\"");
  EXPECT_EQ(welcome.StringView("fb"), "Hello");
  EXPECT_EQ(retries.StringView("fb"), "fb");

  EXPECT_EQ(retries.CheckType(DataType::kNumber).kind(), ErrorKind::kNone);
  const ClientError mismatch = retries.CheckType(DataType::kString);
  EXPECT_EQ(mismatch.kind(), ErrorKind::kTypeMismatch);
  EXPECT_NE(mismatch.message().find("number"), std::string_view::npos);
}

TEST_F(ClientTest, ADisabledParameterGivesItsDefaultWithReasonDisabled) {
  transport_->ServeSnapshot(SnapshotJson(1), 1);
  auto client = MakeClient();
  ASSERT_TRUE(client->Start().ready);
  const auto off = client->EvaluateParameter("switched_off", us_);
  EXPECT_EQ(off.AsString("x"), "off");
  EXPECT_EQ(off.Source(), Source::kDefault);
  EXPECT_EQ(off.Reason(), Reason::kDisabled);
}

TEST_F(ClientTest, AnUnknownParameterIsParameterNotFoundAndEveryAccessorGivesTheDefault) {
  transport_->ServeSnapshot(SnapshotJson(1), 1);
  auto client = MakeClient();
  ASSERT_TRUE(client->Start().ready);
  const auto r = client->EvaluateParameter("does_not_exist", us_);
  ASSERT_TRUE(r.HasError());
  EXPECT_EQ(r.Error().kind(), ErrorKind::kParameterNotFound);
  EXPECT_EQ(r.Error().message(), "parameter not found");
  EXPECT_EQ(r.AsString("d"), "d");
  EXPECT_EQ(r.AsInt(4), 4);
  EXPECT_EQ(r.AsDouble(1.5), 1.5);
  EXPECT_TRUE(r.AsBool(true));
  EXPECT_EQ(r.AsJson("{}"), "{}");
  EXPECT_EQ(r.Value(), nullptr);
  EXPECT_EQ(r.CheckType(DataType::kString).kind(), ErrorKind::kParameterNotFound);
  EXPECT_EQ(r.Revision(), 1);
}

TEST_F(ClientTest, WithoutServerOrCacheItIsNotReadyAndAnswersDefaults) {
  transport_->Fail("connection refused");
  auto client = MakeClient();
  const ClientStatus status = client->Start();
  EXPECT_FALSE(status.ready);
  EXPECT_EQ(status.origin, SnapshotOrigin::kNone);
  EXPECT_EQ(status.error.kind(), ErrorKind::kNetwork);
  EXPECT_NE(status.error.message().find("connection refused"), std::string_view::npos);
  const auto r = client->EvaluateParameter("welcome_message", us_);
  EXPECT_EQ(r.Error().kind(), ErrorKind::kNotReady);
  EXPECT_EQ(r.AsString("Hello, World!"), "Hello, World!");
  EXPECT_EQ(r.Revision(), 0);
  // A default-constructed result says the same.
  EXPECT_EQ(EvaluationResult().Error().kind(), ErrorKind::kNotReady);
}

TEST_F(ClientTest, EvaluatingBeforeStartIsNotReady) {
  transport_->ServeSnapshot(SnapshotJson(1), 1);
  auto client = MakeClient();
  EXPECT_EQ(client->EvaluateParameter("welcome_message").Error().kind(), ErrorKind::kNotReady);
  EXPECT_EQ(client->Status().error.kind(), ErrorKind::kNotReady);
}

TEST_F(ClientTest, UnusableOptionsAreAConfigurationErrorNotAnException) {
  for (const char* url : {"", "ftp://x", "localhost:9999"}) {
    Client client(ClientOptions{.endpoint_url = url}, WithInMemoryOnly(true),
                  WithLogSink(logs_.Sink()));
    const ClientStatus status = client.Start();
    EXPECT_FALSE(status.ready) << url;
    EXPECT_EQ(status.error.kind(), ErrorKind::kConfiguration) << url;
    client.Stop();
  }
}

TEST_F(ClientTest, ARefusedKeyIsAConfigurationError) {
  transport_->Respond(401, R"({"error":{"code":"unauthorized"}})");
  auto client = MakeClient();
  EXPECT_EQ(client->Start().error.kind(), ErrorKind::kConfiguration);
}

TEST_F(ClientTest, SendsTheKeyTheEtagAndAcceptToTheConfigEndpoint) {
  transport_->ServeSnapshot(SnapshotJson(3), 3);
  auto client = MakeClient();
  ASSERT_TRUE(client->Start().ready);
  client->Refresh();
  ASSERT_TRUE(transport_->WaitForGets(2));
  const auto requests = transport_->requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[0].url, "http://aurora.test/api/v1/sdk/config");
  auto header = [](const HttpRequest& r, const std::string& name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return std::string();
  };
  EXPECT_EQ(header(requests[0], "Authorization"), "Bearer aur_sdk_secret");
  EXPECT_EQ(header(requests[0], "If-None-Match"), "");
  EXPECT_EQ(header(requests[1], "If-None-Match"), "\"3\"");
  EXPECT_EQ(header(requests[1], "Accept"), "application/json");
  EXPECT_EQ(requests[0].timeout, 2000ms);
  EXPECT_EQ(requests[0].max_body_bytes, 16u << 20);
  // The 304 keeps the snapshot and counts as a good sync.
  EXPECT_TRUE(WaitUntil([&] { return client->Status().error.kind() == ErrorKind::kNone; }));
  EXPECT_EQ(client->Status().revision, 3);
}

TEST_F(ClientTest, NoAuthorizationHeaderWithoutAKey) {
  transport_->ServeSnapshot(SnapshotJson(1), 1);
  Client client(ClientOptions{.endpoint_url = "http://x"}, WithTransport(transport_),
                WithInMemoryOnly(true), WithStreaming(false), WithLogSink(logs_.Sink()));
  ASSERT_TRUE(client.Start().ready);
  EXPECT_EQ(transport_->LastHeader("Authorization"), "");
}

TEST_F(ClientTest, PicksUpANewRevisionAtTheNextRefreshAndTellsOnChange) {
  transport_->ServeSnapshot(SnapshotJson(1, "one"), 1);
  std::mutex mutex;
  std::vector<std::pair<std::int64_t, std::int64_t>> changes;
  auto client = MakeClient(20ms, false, {WithOnChange([&](std::int64_t from, std::int64_t to) {
                             std::lock_guard lock(mutex);
                             changes.emplace_back(from, to);
                           })});
  ASSERT_TRUE(client->Start().ready);
  EXPECT_EQ(client->EvaluateParameter("welcome_message").AsString(""), "one");
  transport_->ServeSnapshot(SnapshotJson(2, "two"), 2);
  ASSERT_TRUE(WaitUntil(
      [&] { return client->EvaluateParameter("welcome_message").AsString("") == "two"; }));
  EXPECT_EQ(client->Status().revision, 2);
  std::lock_guard lock(mutex);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0], std::make_pair(std::int64_t{0}, std::int64_t{1}));
  EXPECT_EQ(changes[1], std::make_pair(std::int64_t{1}, std::int64_t{2}));
}

TEST_F(ClientTest, RefreshPollsAtOnce) {
  transport_->ServeSnapshot(SnapshotJson(1, "one"), 1);
  auto client = MakeClient(1h);
  ASSERT_TRUE(client->Start().ready);
  transport_->ServeSnapshot(SnapshotJson(2, "two"), 2);
  client->Refresh();
  EXPECT_TRUE(WaitUntil([&] { return client->Status().revision == 2; }, 5s));
}

TEST_F(ClientTest, ABadDownloadNeverReplacesAGoodSnapshot) {
  transport_->ServeSnapshot(SnapshotJson(5, "good"), 5);
  auto client = MakeClient(1h);
  ASSERT_TRUE(client->Start().ready);
  const std::string good = SnapshotJson(6, "bad");
  struct Case {
    std::string name;
    std::function<void()> serve;
    ErrorKind error;
  };
  const std::vector<Case> cases = {
      {"garbage", [&] { transport_->Respond(200, "\x01\x02 not json at all"); },
       ErrorKind::kConfiguration},
      {"truncated", [&] { transport_->Respond(200, good.substr(0, good.size() / 2)); },
       ErrorKind::kConfiguration},
      {"empty", [&] { transport_->Respond(200, ""); }, ErrorKind::kConfiguration},
      {"invalid snapshot",
       [&] {
         transport_->Respond(
             200,
             R"({"formatVersion":1,"revision":9,"parameters":[{"name":"p","dataType":"number","defaultValue":"x"}]})");
       },
       ErrorKind::kConfiguration},
      {"unknown format", [&] { transport_->Respond(200, R"({"formatVersion":2,"revision":9})"); },
       ErrorKind::kConfiguration},
      {"server error", [&] { transport_->Respond(500, "oops"); }, ErrorKind::kNetwork},
      {"not found", [&] { transport_->Respond(404, "{}"); }, ErrorKind::kNetwork},
      {"unreachable", [&] { transport_->Fail("connection reset"); }, ErrorKind::kNetwork},
      {"too large", [&] { transport_->Respond(200, std::string((16u << 20) + 1, ' ')); },
       ErrorKind::kNetwork},
  };
  int gets = transport_->gets();
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    c.serve();
    client->Refresh();
    ASSERT_TRUE(transport_->WaitForGets(++gets));
    ASSERT_TRUE(WaitUntil([&] { return client->Status().error.kind() == c.error; }));
    EXPECT_EQ(client->Status().revision, 5);
    EXPECT_EQ(client->EvaluateParameter("welcome_message").AsString(""), "good");
  }
  // Recovery: a good, newer snapshot is taken again.
  transport_->ServeSnapshot(SnapshotJson(7, "seven"), 7);
  client->Refresh();
  ASSERT_TRUE(WaitUntil([&] { return client->Status().revision == 7; }));
  EXPECT_EQ(client->Status().error.kind(), ErrorKind::kNone);
  EXPECT_EQ(logs_.Count("sync recovered"), 1);
}

TEST_F(ClientTest, AnOlderRevisionIsIgnoredAndDoesNotCountAsAFailure) {
  transport_->ServeSnapshot(SnapshotJson(5, "five"), 5);
  auto client = MakeClient(1h);
  ASSERT_TRUE(client->Start().ready);
  transport_->ServeSnapshot(SnapshotJson(4, "four"), 4);
  client->Refresh();
  ASSERT_TRUE(transport_->WaitForGets(2));
  ASSERT_TRUE(WaitUntil([&] { return logs_.Count("older than revision 5") > 0; }));
  EXPECT_EQ(client->Status().revision, 5);
  EXPECT_EQ(client->Status().error.kind(), ErrorKind::kNone);
  EXPECT_EQ(client->EvaluateParameter("welcome_message").AsString(""), "five");
}

TEST_F(ClientTest, FailuresBackOffExponentiallyInsteadOfHammeringTheServer) {
  transport_->Fail("down");
  // refresh 5 ms would mean ~200 polls a second; backoff 20 ms doubling to 400 ms allows ~8.
  auto client = MakeClient(5ms, false, {WithBackoff(20ms, 400ms)});
  client->Start();
  std::this_thread::sleep_for(1500ms);
  const int failures = transport_->gets();
  EXPECT_GE(failures, 4);
  EXPECT_LE(failures, 14);
  // The failure is logged once as a warning, then at debug level.
  EXPECT_EQ(logs_.Count("sync failed", LogLevel::kWarn), 1);
  EXPECT_GE(logs_.Count("sync failed"), failures - 1);
  // After recovery the refresh rate applies again.
  transport_->ServeSnapshot(SnapshotJson(1), 1);
  ASSERT_TRUE(WaitUntil([&] { return client->Status().ready; }, 5s));
  const int before = transport_->gets();
  std::this_thread::sleep_for(500ms);
  EXPECT_GE(transport_->gets() - before,
            5);  // 5 ms refresh: ~100 expected; slack for loaded machines
}

TEST_F(ClientTest, PersistsEachNewRevisionAndStartsFromTheCacheWhenTheServerIsDown) {
  transport_->ServeSnapshot(SnapshotJson(1, "one"), 1);
  {
    auto client = MakeClient(20ms);
    ASSERT_TRUE(client->Start().ready);
    EXPECT_EQ(store_->puts(), 1);
    transport_->ServeSnapshot(SnapshotJson(2, "two"), 2);
    ASSERT_TRUE(WaitUntil([&] { return store_->puts() == 2; }));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(store_->puts(), 2) << "a 304 must not rewrite the cache";
  }
  // One record per endpoint and key: the key decides the environment (docs/environments.md).
  EXPECT_TRUE(store_->OnlyKey().starts_with("snapshot:http://aurora.test#key:")) << store_->OnlyKey();
  EXPECT_EQ(store_->OnlyKey().find("aur_sdk_secret"), std::string::npos) << "the key itself is never stored";
  transport_->Fail("connection refused");
  auto client = MakeClient();
  const ClientStatus status = client->Start();
  EXPECT_TRUE(status.ready);
  EXPECT_EQ(status.revision, 2);
  EXPECT_EQ(status.origin, SnapshotOrigin::kCache);
  EXPECT_EQ(status.error.kind(), ErrorKind::kNetwork);
  EXPECT_EQ(client->EvaluateParameter("welcome_message").AsString(""), "two");
  EXPECT_EQ(client->EvaluateParameter("welcome_message", us_).AsString(""), "Hi US");
}

TEST_F(ClientTest, ACachedRevisionIsConfirmedWithIfNoneMatchAndReplacedByANewerOne) {
  transport_->ServeSnapshot(SnapshotJson(3, "three"), 3);
  MakeClient()->Start();
  ASSERT_EQ(store_->puts(), 1);
  {
    auto client = MakeClient();
    const ClientStatus status = client->Start();
    EXPECT_EQ(status.revision, 3);
    EXPECT_EQ(status.origin, SnapshotOrigin::kServer) << "a 304 confirms the cached revision";
    EXPECT_EQ(transport_->LastHeader("If-None-Match"), "\"3\"");
    EXPECT_EQ(store_->puts(), 1);
  }
  transport_->ServeSnapshot(SnapshotJson(4, "four"), 4);
  auto client = MakeClient();
  EXPECT_EQ(client->Start().revision, 4);
  EXPECT_EQ(store_->puts(), 2);
}

TEST_F(ClientTest, InMemoryOnlyNeverTouchesTheStore) {
  transport_->ServeSnapshot(SnapshotJson(1), 1);
  auto client = MakeClient(1h, true);
  ASSERT_TRUE(client->Start().ready);
  EXPECT_EQ(store_->puts(), 0);
  EXPECT_EQ(store_->gets(), 0);
}

TEST_F(ClientTest, ACacheThatCannotBeReadOrWrittenIsLoggedOnceAndIgnored) {
  store_->FailReads(true);
  store_->FailWrites(true);
  transport_->ServeSnapshot(SnapshotJson(1), 1);
  auto client = MakeClient(10ms);
  ASSERT_TRUE(client->Start().ready);
  transport_->ServeSnapshot(SnapshotJson(2), 2);
  ASSERT_TRUE(WaitUntil([&] { return client->Status().revision == 2; }));
  // The revision is installed before it is persisted: wait for the second write attempt.
  ASSERT_TRUE(WaitUntil([&] { return logs_.Count("cannot write the snapshot cache") >= 2; }));
  EXPECT_EQ(client->Status().error.kind(), ErrorKind::kNone);
  EXPECT_EQ(logs_.Count("ignoring the snapshot cache", LogLevel::kWarn), 1);
  EXPECT_EQ(logs_.Count("cannot write the snapshot cache", LogLevel::kWarn), 1);
  EXPECT_EQ(logs_.Count("cannot write the snapshot cache"), 2);
}

TEST_F(ClientTest, ACachedRecordCorruptedAtAnyBytePositionIsIgnored) {
  transport_->ServeSnapshot(SnapshotJson(1, "cached"), 1);
  {
    auto writer = MakeClient();
    ASSERT_TRUE(writer->Start().ready);
  }
  const std::string key = store_->OnlyKey();
  const std::string record = *store_->Raw(key);
  transport_->Fail("server down");
  // Every byte, two flips each; a fresh client must never become ready from a damaged record.
  std::size_t ignored = 0;
  for (std::size_t i = 0; i < record.size(); ++i) {
    for (unsigned char mask : {0xffu, 0x01u}) {
      std::string bad = record;
      bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) ^ mask);
      store_->SetRaw(key, bad);
      auto client = MakeClient(1h, false, {WithTimeout(200ms)});
      const ClientStatus status = client->Start();
      ASSERT_FALSE(status.ready) << "byte " << i << " mask " << int(mask);
      ASSERT_EQ(client->EvaluateParameter("welcome_message").Error().kind(), ErrorKind::kNotReady);
      ++ignored;
    }
  }
  EXPECT_EQ(ignored, record.size() * 2);
  // Truncated records too.
  for (std::size_t n : {std::size_t{0}, std::size_t{10}, record.size() / 2, record.size() - 1}) {
    store_->SetRaw(key, record.substr(0, n));
    EXPECT_FALSE(MakeClient()->Start().ready) << n;
  }
  // The intact record still works.
  store_->SetRaw(key, record);
  EXPECT_TRUE(MakeClient()->Start().ready);
}

TEST_F(ClientTest, StopIsIdempotentAndTheClientCanStartAgain) {
  transport_->ServeSnapshot(SnapshotJson(1, "one"), 1);
  auto client = MakeClient(10ms);
  ASSERT_TRUE(client->Start().ready);
  EXPECT_TRUE(client->Start().ready);  // a second Start just reports
  client->Stop();
  client->Stop();
  const int gets = transport_->gets();
  transport_->ServeSnapshot(SnapshotJson(2, "two"), 2);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(transport_->gets(), gets) << "no sync after Stop";
  EXPECT_EQ(client->EvaluateParameter("welcome_message").AsString(""), "one")
      << "evaluations go on after Stop";
  client->Refresh();  // harmless when stopped
  EXPECT_EQ(client->Start().revision, 2);
  client->Stop();
}

TEST_F(ClientTest, StopInterruptsARequestThatHangs) {
  transport_->Hang();
  auto client = MakeClient(1h, false, {WithTimeout(300ms)});
  const auto start = std::chrono::steady_clock::now();
  const ClientStatus status = client->Start();
  EXPECT_FALSE(status.ready);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s)
      << "Start waits at most about the timeout";
  const auto stop_start = std::chrono::steady_clock::now();
  client->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_start, 2s);
}

TEST_F(ClientTest, TheDestructorStopsTheSyncThread) {
  transport_->ServeSnapshot(SnapshotJson(1), 1);
  {
    auto client = MakeClient(5ms);
    ASSERT_TRUE(client->Start().ready);
  }
  const int gets = transport_->gets();
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(transport_->gets(), gets);
}

TEST_F(ClientTest, OnEvaluateRunsOnTheEvaluatingThreadForEveryEvaluation) {
  transport_->ServeSnapshot(SnapshotJson(1), 1);
  struct Call {
    Source source;
    std::string parameter;
    std::string value;
    ErrorKind error;
    std::thread::id thread;
  };
  std::mutex mutex;
  std::vector<Call> calls;
  auto client = MakeClient(
      1h, false,
      {WithOnEvaluate([&](Source source, std::string_view parameter, const Attributes& attributes,
                          const Value* value, const ClientError* error) {
        EXPECT_EQ(attributes.size(), 2u);
        std::lock_guard lock(mutex);
        calls.push_back({source, std::string(parameter), value ? value->Json() : "",
                         error ? error->kind() : ErrorKind::kNone, std::this_thread::get_id()});
      })});
  (void)client->EvaluateParameter("welcome_message", us_);  // not ready yet
  ASSERT_TRUE(client->Start().ready);
  (void)client->EvaluateParameter("welcome_message", us_);
  (void)client->EvaluateParameter("hero_title", us_);
  (void)client->EvaluateParameter("nope", us_);
  std::lock_guard lock(mutex);
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].error, ErrorKind::kNotReady);
  EXPECT_EQ(calls[1].source, Source::kRule);
  EXPECT_EQ(calls[1].value, "\"Hi US\"");
  EXPECT_EQ(calls[1].error, ErrorKind::kNone);
  EXPECT_EQ(calls[2].source, Source::kExperiment);
  EXPECT_EQ(calls[2].parameter, "hero_title");
  EXPECT_EQ(calls[3].error, ErrorKind::kParameterNotFound);
  EXPECT_EQ(calls[3].value, "");
  for (const auto& c : calls) EXPECT_EQ(c.thread, std::this_thread::get_id());
}

TEST_F(ClientTest, ExceptionsFromHooksNeverReachTheCaller) {
  transport_->ServeSnapshot(SnapshotJson(1), 1);
  struct ThrowingSink : ExposureSink {
    void OnExposure(std::string_view, std::int64_t, std::int64_t, std::string_view) override {
      throw std::runtime_error("sink");
    }
  };
  auto client =
      MakeClient(1h, false,
                 {WithOnEvaluate([](Source, std::string_view, const Attributes&, const Value*,
                                    const ClientError*) { throw std::runtime_error("hook"); }),
                  WithExposureSink(std::make_shared<ThrowingSink>()),
                  WithOnChange([](std::int64_t, std::int64_t) { throw 42; })});
  ASSERT_TRUE(client->Start().ready);
  EXPECT_EQ(client->EvaluateParameter("hero_title", us_).AsString(""), "Welcome");
  EXPECT_EQ(client->EvaluateParameter("hero_title", us_).AsString(""), "Welcome");
  EXPECT_EQ(logs_.Count("on_evaluate callback threw", LogLevel::kError), 1);
  EXPECT_EQ(logs_.Count("exposure sink threw", LogLevel::kError), 1);
  EXPECT_EQ(logs_.Count("on_change callback threw", LogLevel::kError), 1);
}

class RecordingSink : public ExposureSink {
 public:
  struct Exposure {
    std::string user;
    std::int64_t experiment;
    std::int64_t variant;
    std::string parameter;
  };
  void OnExposure(std::string_view user, std::int64_t experiment, std::int64_t variant,
                  std::string_view parameter) override {
    std::lock_guard lock(mutex_);
    exposures_.push_back({std::string(user), experiment, variant, std::string(parameter)});
  }
  std::vector<Exposure> exposures() const {
    std::lock_guard lock(mutex_);
    return exposures_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Exposure> exposures_;
};

TEST_F(ClientTest, ExposuresAreReportedOncePerUserAndExperiment) {
  transport_->ServeSnapshot(SnapshotJson(1), 1);
  auto sink = std::make_shared<RecordingSink>();
  auto client = MakeClient(1h, false, {WithExposureSink(sink)});
  ASSERT_TRUE(client->Start().ready);
  for (int i = 0; i < 3; ++i) (void)client->EvaluateParameter("hero_title", us_);
  (void)client->EvaluateParameter("welcome_message", us_);      // not an experiment
  (void)client->EvaluateParameter("hero_title", Attributes());  // no hash attribute
  (void)client->EvaluateParameter("hero_title", Attributes().SetNumber("user_id", 1e6));
  (void)client->EvaluateParameter("hero_title", Attributes().SetBool("user_id", true));
  (void)client->EvaluateParameter("hero_title", Attributes().SetBool("user_id", true));
  const auto exposures = sink->exposures();
  ASSERT_EQ(exposures.size(), 3u);
  EXPECT_EQ(exposures[0].user, "user_12345");
  EXPECT_EQ(exposures[0].experiment, 7);
  EXPECT_EQ(exposures[0].variant, 1);
  EXPECT_EQ(exposures[0].parameter, "hero_title");
  EXPECT_EQ(exposures[1].user, "1e+06");  // the number as bucketing writes it (SPEC §3)
  EXPECT_EQ(exposures[2].user, "true");
}

TEST_F(ClientTest, AResultKeepsItsSnapshotAliveAfterTheClientMovesOnOrIsGone) {
  transport_->ServeSnapshot(SnapshotJson(1, "first value, long enough to live on the heap"), 1);
  auto client = MakeClient(5ms);
  ASSERT_TRUE(client->Start().ready);
  const EvaluationResult old = client->EvaluateParameter("welcome_message");
  const std::string_view view = old.StringView();
  const Value* value = old.Value();
  transport_->ServeSnapshot(SnapshotJson(2, "second"), 2);
  ASSERT_TRUE(WaitUntil([&] { return client->Status().revision == 2; }));
  client.reset();
  // Under AddressSanitizer a dangling view would be reported here.
  EXPECT_EQ(view, "first value, long enough to live on the heap");
  EXPECT_EQ(value->Json(), "\"first value, long enough to live on the heap\"");
  EXPECT_EQ(old.Revision(), 1);
  const EvaluationResult copy = old;
  EXPECT_EQ(copy.AsString(""), "first value, long enough to live on the heap");
}

TEST_F(ClientTest, ConcurrentEvaluationsDuringSwapsAlwaysSeeOneWholeSnapshot) {
  // The sync thread swaps a new revision in every few milliseconds while four threads evaluate;
  // each result must be internally consistent: its value is the one of its own revision.
  std::atomic<std::int64_t> next{1};
  transport_->SetHandler([&](const HttpRequest&, std::stop_token) -> Result<HttpResponse> {
    const std::int64_t revision = next++;
    HttpResponse response;
    response.status = 200;
    response.body = SnapshotJson(revision, "v" + std::to_string(revision));
    return response;
  });
  auto client = MakeClient(1ms);
  ASSERT_TRUE(client->Start().ready);
  std::atomic<bool> stop{false};
  std::atomic<long> evaluations{0};
  std::atomic<long> inconsistent{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::int64_t last = 0;
      while (!stop) {
        const auto r = client->EvaluateParameter("welcome_message");
        const std::int64_t revision = r.Revision();
        if (r.StringView() != "v" + std::to_string(revision) || revision < last) ++inconsistent;
        last = revision;
        ++evaluations;
      }
    });
  }
  ASSERT_TRUE(WaitUntil([&] { return client->Status().revision > 30; }, 20s));
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(inconsistent.load(), 0);
  EXPECT_GT(evaluations.load(), 100);
}

TEST_F(ClientTest, StatusAndRefreshAreSafeFromManyThreadsWhileStartingAndStopping) {
  transport_->ServeSnapshot(SnapshotJson(1), 1);
  auto client = MakeClient(2ms);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      while (!stop) {
        (void)client->Status();
        client->Refresh();
        (void)client->EvaluateParameter("welcome_message", us_);
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    (void)client->Start();
    std::this_thread::sleep_for(2ms);
    client->Stop();
  }
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_TRUE(client->Status().ready);
}

TEST_F(ClientTest, AnAnnouncedRevisionOnTheStreamTriggersASyncAtOnce) {
  transport_->ServeSnapshot(SnapshotJson(1, "one"), 1);
  std::atomic<bool> started{false};
  std::atomic<bool> announce{false};
  transport_->SetStreamHandler([&](const HttpRequest& request,
                                   const std::function<void(std::string_view)>& on_bytes,
                                   std::stop_token stop) -> Result<int> {
    EXPECT_EQ(request.url, "http://aurora.test/api/v1/sdk/stream");
    // Like the server: the current revision first (here once the client has it, so the test can
    // tell that it causes no download).
    while (!stop.stop_requested() && !started) std::this_thread::sleep_for(1ms);
    on_bytes("id: 1\nevent: revision\ndata: {\"revision\": 1}\n\n");
    while (!stop.stop_requested() && !announce) std::this_thread::sleep_for(1ms);
    on_bytes(": keep-alive\n\nid: 2\nevent: revision\n");
    on_bytes("data: {\"revision\": 2}\n\n");
    while (!stop.stop_requested()) std::this_thread::sleep_for(1ms);
    return 200;
  });
  auto client = MakeClient(1h, false, {WithStreaming(true)});
  ASSERT_TRUE(client->Start().ready);
  started = true;
  ASSERT_TRUE(WaitUntil([&] { return transport_->streams() == 1; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(transport_->gets(), 1) << "an announced revision we already have syncs nothing";
  transport_->ServeSnapshot(SnapshotJson(2, "two"), 2);
  announce = true;
  EXPECT_TRUE(WaitUntil([&] { return client->Status().revision == 2; }, 5s));
  client->Stop();  // must end the stream promptly
}

TEST_F(ClientTest, ASnapshotInlineInAStreamEventIsInstalledWithoutARequest) {
  transport_->ServeSnapshot(SnapshotJson(1, "one"), 1);
  std::atomic<bool> send{false};
  std::atomic<bool> sent{false};
  transport_->SetStreamHandler([&](const HttpRequest&,
                                   const std::function<void(std::string_view)>& on_bytes,
                                   std::stop_token stop) -> Result<int> {
    while (!stop.stop_requested() && !send) std::this_thread::sleep_for(1ms);
    if (stop.stop_requested()) return 200;
    // As aurora-server writes it: the compact document on one data line.
    std::string doc = nlohmann::json::parse(SnapshotJson(2, "two")).dump();
    on_bytes("id: 2\nevent: revision\ndata: {\"revision\":2,\"snapshot\":" + doc + "}\n\n");
    sent = true;
    while (!stop.stop_requested()) std::this_thread::sleep_for(1ms);
    return 200;
  });
  std::vector<std::pair<std::int64_t, std::int64_t>> changes;
  std::mutex mutex;
  auto client = MakeClient(1h, false, {WithStreaming(true), WithOnChange([&](auto from, auto to) {
                                         std::lock_guard lock(mutex);
                                         changes.emplace_back(from, to);
                                       })});
  ASSERT_TRUE(client->Start().ready);
  const int gets = transport_->gets();
  send = true;
  ASSERT_TRUE(WaitUntil([&] { return client->Status().revision == 2; }, 5s)) << logs_.All();
  EXPECT_EQ(client->EvaluateParameter("welcome_message", Attributes()).AsString(""), "two");
  EXPECT_EQ(transport_->gets(), gets) << "the inline snapshot needs no download";
  std::lock_guard lock(mutex);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[1], std::make_pair(std::int64_t{1}, std::int64_t{2}));
  // ... and it is persisted like any other new revision.
  auto record = store_->Get(store_->OnlyKey());
  ASSERT_TRUE(record && *record);
}

TEST_F(ClientTest, ABrokenOrMismatchedInlineSnapshotIsFetchedInstead) {
  transport_->ServeSnapshot(SnapshotJson(1, "one"), 1);
  std::atomic<int> step{0};
  transport_->SetStreamHandler([&](const HttpRequest&,
                                   const std::function<void(std::string_view)>& on_bytes,
                                   std::stop_token stop) -> Result<int> {
    while (!stop.stop_requested() && step == 0) std::this_thread::sleep_for(1ms);
    if (stop.stop_requested()) return 200;
    // Revision 2 announced with a truncated document, then revision 3 with revision 2's.
    on_bytes("id: 2\nevent: revision\ndata: {\"revision\":2,\"snapshot\":{\"formatVersion\":1}\n\n");
    while (!stop.stop_requested() && step == 1) std::this_thread::sleep_for(1ms);
    const std::string two = nlohmann::json::parse(SnapshotJson(2, "two")).dump();
    on_bytes("id: 3\nevent: revision\ndata: {\"revision\":3,\"snapshot\":" + two + "}\n\n");
    while (!stop.stop_requested()) std::this_thread::sleep_for(1ms);
    return 200;
  });
  auto client = MakeClient(1h, true, {WithStreaming(true)});
  ASSERT_TRUE(client->Start().ready);
  transport_->ServeSnapshot(SnapshotJson(2, "two"), 2);
  step = 1;
  ASSERT_TRUE(WaitUntil([&] { return client->Status().revision == 2; }, 5s)) << logs_.All();
  EXPECT_EQ(transport_->gets(), 2) << "the broken inline document was replaced by a download";
  transport_->ServeSnapshot(SnapshotJson(3, "three"), 3);
  step = 2;
  ASSERT_TRUE(WaitUntil([&] { return client->Status().revision == 3; }, 5s)) << logs_.All();
  EXPECT_EQ(client->EvaluateParameter("welcome_message", Attributes()).AsString(""), "three");
  EXPECT_EQ(logs_.Count("fetching instead", LogLevel::kWarn), 1) << logs_.All();
}

TEST_F(ClientTest, AServerWithoutAStreamMeansPollingAloneAndOneInfoLine) {
  transport_->ServeSnapshot(SnapshotJson(1), 1);
  auto client = MakeClient(10ms, false, {WithStreaming(true), WithBackoff(5ms, 20ms)});
  ASSERT_TRUE(client->Start().ready);
  ASSERT_TRUE(WaitUntil([&] { return transport_->streams() >= 3; }));
  EXPECT_EQ(logs_.Count("no event stream", LogLevel::kInfo), 1);
  transport_->ServeSnapshot(SnapshotJson(2), 2);
  EXPECT_TRUE(WaitUntil([&] { return client->Status().revision == 2; }));
}

TEST_F(ClientTest, TheClockIsReadOnlyWhenAnExperimentHasADate) {
  std::atomic<int> reads{0};
  std::atomic<std::int64_t> now_s{0};
  auto clock = WithClock([&] {
    ++reads;
    return std::chrono::system_clock::time_point(std::chrono::seconds(now_s.load()));
  });
  transport_->ServeSnapshot(SnapshotJson(1), 1);
  {
    auto client = MakeClient(1h, true, {clock});
    ASSERT_TRUE(client->Start().ready);
    EXPECT_EQ(client->EvaluateParameter("hero_title", us_).AsString(""), "Welcome");
    EXPECT_EQ(reads.load(), 0) << "no experiment has a date: the time cannot matter";
  }
  // The same experiment, ending at 2026-01-01T00:00:00Z (1767225600).
  std::string dated = SnapshotJson(2);
  const std::string from = R"("startDate":null,"endDate":null)";
  dated.replace(dated.find(from), from.size(),
                R"("startDate":null,"endDate":"2026-01-01T00:00:00Z")");
  transport_->ServeSnapshot(dated, 2);
  auto client = MakeClient(1h, true, {clock});
  ASSERT_TRUE(client->Start().ready);
  now_s = 1767225600 - 1;
  EXPECT_EQ(client->EvaluateParameter("hero_title", us_).Source(), Source::kExperiment);
  now_s = 1767225600;
  EXPECT_EQ(client->EvaluateParameter("hero_title", us_).Source(), Source::kDefault);
  EXPECT_EQ(reads.load(), 2);
}

TEST_F(ClientTest, OptionsApplyInOrderOverTheStruct) {
  ClientOptions options{.endpoint_url = "http://a", .sdk_key = "k"};
  const std::vector<ClientOption> with = {WithRefreshRate(5s), WithInMemoryOnly(true),
                                          WithPath("/tmp/x"),  WithLogLevel(LogLevel::kError),
                                          WithEnableS3(true),  WithStreaming(false),
                                          WithTimeout(3s),     WithMaxSnapshotSize(1000),
                                          WithRefreshRate(7s)};
  for (const auto& w : with) w.ApplyTo(options);
  EXPECT_EQ(options.refresh_rate, 7s);
  EXPECT_TRUE(options.in_memory_only);
  EXPECT_EQ(options.path, "/tmp/x");
  EXPECT_EQ(options.log_level, LogLevel::kError);
  EXPECT_TRUE(options.enable_s3);
  EXPECT_FALSE(options.streaming);
  EXPECT_EQ(options.timeout, 3s);
  EXPECT_EQ(options.max_snapshot_bytes, 1000u);
  EXPECT_EQ(options.endpoint_url, "http://a");
  EXPECT_STREQ(ErrorKindName(ErrorKind::kParameterNotFound), "parameter_not_found");
  EXPECT_STREQ(SdkVersion(), "0.1.0");
}

TEST_F(ClientTest, TwoKeysOfOneEndpointNeverReadEachOthersCachedSnapshot) {
  // Key A (say, production) caches revision 7; the server then goes down.
  transport_->ServeSnapshot(SnapshotJson(7, "production"), 7);
  {
    auto a = MakeClient();
    ASSERT_TRUE(a->Start().ready);
    ASSERT_EQ(store_->puts(), 1);
  }
  transport_->Fail("connection refused");
  // Key B (say, staging) on the same endpoint and cache must not start from A's snapshot.
  sdk_key_ = "aur_sdk_other";
  auto b = MakeClient();
  const ClientStatus status = b->Start();
  EXPECT_FALSE(status.ready) << "a key must not be served another key's cached snapshot";
  EXPECT_TRUE(b->EvaluateParameter("welcome_message", us_).HasError());
  // And key A still finds its own.
  sdk_key_ = "aur_sdk_secret";
  auto a_again = MakeClient();
  EXPECT_TRUE(a_again->Start().ready);
  EXPECT_EQ(a_again->EvaluateParameter("welcome_message", Attributes()).AsString(""), "production");
}

}  // namespace
}  // namespace aurora::testing
