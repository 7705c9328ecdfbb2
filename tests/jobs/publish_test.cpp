// End-to-end tests of the jobs part with the real aurora-server of this build: publishing to
// S3 (the local s3rver behind the SigV4-verifying proxy; AURORA_TEST_S3_ENDPOINT) and to
// publish.dir, retries, crash recovery, several servers on one database, coalescing, the
// experiment scheduler and GET /api/v1/jobs. Each backend: SQLite, and PostgreSQL when
// AURORA_TEST_POSTGRES_DSN is set.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "engine/time.hpp"
#include "jobs/publisher.hpp"
#include "support/s3_fixture.hpp"
#include "server/server_fixture.hpp"
#include "support/server_process.hpp"

namespace aurora::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Polls `done` every 10 ms until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// One sample of /metrics, or -1 when absent.
double Metric(const ServerProcess& server, const std::string& name) {
  const std::string text = server.Get("/metrics").body;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

class PublishTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres" && std::getenv("AURORA_TEST_POSTGRES_DSN") == nullptr) {
      GTEST_SKIP() << "AURORA_TEST_POSTGRES_DSN is not set (make test starts a PostgreSQL server "
                      "and sets it)";
    }
    db_ = TestDatabase::Make(GetParam());
    prefix_ = UniquePrefix("publish");
  }
  void TearDown() override {
    for (auto& s : servers_) s.reset();
    if (!db_.dir.empty()) std::filesystem::remove_all(db_.dir);
  }

  // Quick polls and retries so the tests run in seconds.
  std::map<std::string, std::string> Env(bool s3) const {
    auto env = db_.env;
    env["AUTH_ENABLED"] = "false";
    env["JOBS_POLLINTERVAL"] = "100ms";
    env["JOBS_BACKOFF"] = "100ms";
    env["JOBS_MAXBACKOFF"] = "400ms";
    env["JOBS_LEASE"] = "3s";
    if (s3) env.merge(S3ServerEnv(prefix_));
    return env;
  }

  ServerProcess& Start(const std::map<std::string, std::string>& env) {
    servers_.push_back(std::make_unique<ServerProcess>(env));
    EXPECT_TRUE(servers_.back()->Start()) << servers_.back()->log();
    return *servers_.back();
  }

  static json Create(ServerProcess& server, const std::string& plural, const json& body) {
    const auto r = server.Post("/api/v1/" + plural, body.dump());
    EXPECT_EQ(r.status, 201) << plural << " " << body.dump() << " -> " << r.body;
    return r.Json();
  }

  static std::int64_t Revision(ServerProcess& server) {
    return server.Get("/api/v1/sdk/metadata").Json().value("revision", std::int64_t{-1});
  }

  // The revision of <prefix>snapshot.json in the bucket; -1 when absent or unreadable.
  std::int64_t S3Revision() {
    s3::CurlS3Client client(S3TestOptions());
    auto got = client.Get(s3::GetRequest{prefix_ + "snapshot.json", "", {}});
    if (!got) return -1;
    return jobs::SnapshotRevision(got->body).value_or(-1);
  }

  std::string S3Body(const std::string& name) {
    s3::CurlS3Client client(S3TestOptions());
    auto got = client.Get(s3::GetRequest{prefix_ + name, "", {}});
    return got ? got->body : std::string();
  }

  json Jobs(ServerProcess& server, const std::string& query = "") {
    const auto r = server.Get("/api/v1/jobs" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json();
  }

  TestDatabase db_;
  std::string prefix_;
  std::vector<std::unique_ptr<ServerProcess>> servers_;
};

TEST_P(PublishTest, AChangeIsInS3WithinASecond) {
  if (S3Endpoint().empty()) GTEST_SKIP() << kS3SkipMessage;
  auto& server = Start(Env(true));
  // The current revision is published at start.
  ASSERT_TRUE(WaitFor([&] { return S3Revision() == 0; }, 5s)) << server.log();

  const auto written = Clock::now();
  Create(server, "attributes", {{"name", "user_id"}, {"dataType", "string"}});
  ASSERT_EQ(Revision(server), 1);
  ASSERT_TRUE(WaitFor([&] { return S3Revision() == 1; }, 1s)) << server.log();
  const auto took = std::chrono::duration<double, std::milli>(Clock::now() - written).count();
  // The run's counters follow its last write by a moment.
  ASSERT_TRUE(WaitFor([&] { return Metric(server, "aurora_publish_s3_revision") == 1; }, 1s));
  std::cout << "[ publish  ] write -> visible in S3 after " << took << " ms (server-side latency "
            << Metric(server, "aurora_publish_s3_latency_seconds") * 1000 << " ms, publish run "
            << Metric(server, "aurora_publish_s3_duration_seconds") * 1000 << " ms)\n";

  // The layout: the latest three documents, and the revision's own copy, as the API serves them.
  EXPECT_EQ(S3Body("snapshot.json"), server.Get("/api/v1/sdk/config").body);
  EXPECT_EQ(S3Body("snapshots/1.json"), server.Get("/api/v1/sdk/config").body);
  EXPECT_EQ(S3Body("parameters.json"), server.Post("/api/v1/sdk/parameters", "").body);
  EXPECT_EQ(S3Body("experiments.json"), server.Post("/api/v1/sdk/experiments", "").body);
  s3::CurlS3Client client(S3TestOptions());
  auto head = client.Head(prefix_ + "snapshot.json", {});
  ASSERT_TRUE(head);
  EXPECT_EQ(head->metadata["aurora-revision"], "1");
  EXPECT_EQ(head->content_type, "application/json");

  EXPECT_EQ(Metric(server, "aurora_publish_s3_revision"), 1);
  EXPECT_GT(Metric(server, "aurora_publish_s3_latency_seconds"), 0);
  EXPECT_LT(Metric(server, "aurora_publish_s3_latency_seconds"), 1);
  EXPECT_EQ(Metric(server, "aurora_publish_s3_total"), 2);  // revisions 0 and 1
  EXPECT_EQ(Metric(server, "aurora_jobs_failures_total"), 0);
}

// docs/environments.md "Distribution": each environment under environments/<name>/, the default
// one also at the wave-1 keys; a write in staging leaves production's objects alone.
TEST_P(PublishTest, EachEnvironmentIsPublishedApartAndAStagingWriteLeavesProductionAlone) {
  if (S3Endpoint().empty()) GTEST_SKIP() << kS3SkipMessage;
  auto& server = Start(Env(true));
  auto revision_at = [&](const std::string& name) { return jobs::SnapshotRevision(S3Body(name)).value_or(-1); };
  ASSERT_TRUE(WaitFor([&] { return S3Revision() == 0; }, 5s)) << server.log();
  Create(server, "parameters", {{"name", "welcome"}, {"dataType", "string"}, {"defaultValue", "hi"}});
  ASSERT_EQ(server.Post("/api/v1/environments", R"({"name":"staging"})").status, 201);
  ASSERT_TRUE(WaitFor([&] { return revision_at("environments/staging/snapshot.json") == 1; }, 5s)) << server.log();
  ASSERT_TRUE(WaitFor([&] { return revision_at("environments/production/snapshot.json") == 1; }, 5s));
  ASSERT_TRUE(WaitFor([&] { return S3Revision() == 1; }, 5s));
  const std::string production = S3Body("environments/production/snapshot.json");
  EXPECT_EQ(S3Body("snapshot.json"), production);

  const auto param = server.Get("/api/v1/parameters?environment=staging").Json()["items"][0];
  ASSERT_EQ(server
                .Patch("/api/v1/parameters/" + std::to_string(param["id"].get<int>()) + "?environment=staging",
                       json{{"version", param["version"]}, {"defaultValue", "staged"}}.dump())
                .status,
            200);
  ASSERT_TRUE(WaitFor([&] { return revision_at("environments/staging/snapshot.json") == 2; }, 5s)) << server.log();
  EXPECT_EQ(S3Body("environments/staging/snapshot.json"), server.Get("/api/v1/sdk/config?environment=staging").body);
  EXPECT_EQ(S3Body("environments/staging/snapshots/2.json"), S3Body("environments/staging/snapshot.json"));
  std::this_thread::sleep_for(300ms);  // a wrong publish of production would have happened by now
  EXPECT_EQ(S3Body("environments/production/snapshot.json"), production);
  EXPECT_EQ(S3Body("snapshot.json"), production);
  EXPECT_EQ(server.Get("/api/v1/sdk/metadata?environment=staging").Json()["s3"]["key"],
            prefix_ + "environments/staging/snapshot.json");
  const json jobs = Jobs(server);
  bool staging_job = false;
  for (const auto& job : jobs["items"]) staging_job = staging_job || job["key"] == "publish:s3:staging";
  EXPECT_TRUE(staging_job) << jobs.dump();
}

TEST_P(PublishTest, S3DownDuringEditsIsRetriedAndTheLatestRevisionIsPublishedOnceItIsBack) {
  if (S3Endpoint().empty()) GTEST_SKIP() << kS3SkipMessage;
  auto& server = Start(Env(true));
  ASSERT_TRUE(WaitFor([&] { return S3Revision() == 0; }, 5s)) << server.log();
  S3Fault(prefix_, "503");
  for (int i = 0; i < 5; ++i) {
    Create(server, "attributes", {{"name", "a" + std::to_string(i)}, {"dataType", "string"}});
    std::this_thread::sleep_for(100ms);
  }
  const auto latest = Revision(server);
  ASSERT_EQ(latest, 5);
  // The job keeps failing and is retried with backoff; its error is visible.
  ASSERT_TRUE(WaitFor(
      [&] {
        const json pending = Jobs(server, "?state=pending")["items"];
        return pending.size() == 1 && pending[0]["attempts"].get<int>() >= 3;
      },
      10s))
      << Jobs(server).dump(2);
  const json job = Jobs(server, "?state=pending")["items"][0];
  EXPECT_EQ(job["key"], "publish:s3");
  EXPECT_EQ(job["revision"], latest);
  EXPECT_NE(job["lastError"].get<std::string>().find("503"), std::string::npos) << job.dump();
  EXPECT_GE(Metric(server, "aurora_jobs_failures_total"), 3);
  EXPECT_GE(Metric(server, "aurora_publish_s3_failures_total"), 3);
  EXPECT_EQ(Metric(server, "aurora_jobs_pending"), 1);

  S3Fault(prefix_, "off");
  ASSERT_TRUE(WaitFor([&] { return S3Revision() == latest; }, 5s)) << server.log();
  ASSERT_TRUE(WaitFor(
      [&] {
        const json finished = Jobs(server, "?state=succeeded")["items"];
        return !finished.empty() && finished.back()["revision"] == latest;
      },
      2s));
  const json done = Jobs(server, "?state=succeeded")["items"];
  ASSERT_FALSE(done.empty());
  EXPECT_EQ(done.back()["revision"], latest);
  EXPECT_EQ(done.back()["result"]["written"], true);
}

TEST_P(PublishTest, AServerKilledDuringAPublishHasTheJobCompletedAfterItsRestart) {
  if (S3Endpoint().empty()) GTEST_SKIP() << kS3SkipMessage;
  const auto env = Env(true);
  auto& first = Start(env);
  ASSERT_TRUE(WaitFor([&] { return S3Revision() == 0; }, 5s)) << first.log();
  S3Fault(prefix_, "delay", 30000);  // the publish hangs in its first S3 request
  Create(first, "attributes", {{"name", "user_id"}, {"dataType", "string"}});
  ASSERT_TRUE(WaitFor([&] { return Jobs(first, "?state=running")["items"].size() == 1; }, 5s))
      << Jobs(first).dump(2);
  first.Kill();  // SIGKILL mid-publish: the job stays "running" under a lease nobody renews
  S3Fault(prefix_, "off");

  auto& second = Start(env);
  ASSERT_TRUE(WaitFor([&] { return S3Revision() == 1; }, 10s)) << second.log();
  ASSERT_TRUE(WaitFor([&] { return Jobs(second, "?state=succeeded")["items"].size() >= 2; }, 2s));
  const json job = Jobs(second, "?state=succeeded")["items"].back();
  EXPECT_EQ(job["revision"], 1);
  EXPECT_EQ(job["attempts"], 2);  // the killed run, then the one after the lease ran out
  EXPECT_NE(job["lastError"].get<std::string>().find("lease expired"), std::string::npos)
      << job.dump();
  EXPECT_GE(Metric(second, "aurora_jobs_reclaimed_total"), 1);
}

TEST_P(PublishTest, TwoServersOnOneDatabaseRunEachJobOnce) {
  if (S3Endpoint().empty()) GTEST_SKIP() << kS3SkipMessage;
  const auto env = Env(true);
  auto& a = Start(env);
  auto& b = Start(env);
  ASSERT_TRUE(WaitFor([&] { return S3Revision() == 0; }, 5s)) << a.log();
  constexpr int kEdits = 30;
  for (int i = 0; i < kEdits; ++i) {
    Create(i % 2 == 0 ? a : b, "attributes",
           {{"name", "a" + std::to_string(i)}, {"dataType", "string"}});
    std::this_thread::sleep_for(30ms);
  }
  // Each server sees the other's writes by polling the revision (every second).
  ASSERT_TRUE(WaitFor([&] { return Revision(a) == kEdits && Revision(b) == kEdits; }, 3s));
  const std::int64_t latest = kEdits;
  ASSERT_TRUE(WaitFor([&] { return S3Revision() == latest; }, 5s)) << a.log() << b.log();
  ASSERT_TRUE(WaitFor(
      [&] {
        return Jobs(a, "?state=pending")["items"].empty() &&
               Jobs(a, "?state=running")["items"].empty();
      },
      3s));

  // No job was run by two workers at once: each was claimed once, and each revision was
  // written to S3 once (a duplicate run would have written it twice, or found it there).
  const json all = Jobs(a, "?limit=1000")["items"];
  int s3_jobs = 0;
  for (const auto& job : all) {
    EXPECT_EQ(job["state"], "succeeded") << job.dump();
    EXPECT_EQ(job["attempts"], 1) << job.dump();
    if (job["key"] == "publish:s3") ++s3_jobs;
  }
  int written = 0;
  for (std::int64_t r = 0; r <= latest; ++r) {
    const int puts = S3Count("PUT", prefix_ + "snapshots/" + std::to_string(r) + ".json");
    EXPECT_LE(puts, 1) << "revision " << r << " was written " << puts << " times";
    written += puts;
  }
  const double published =
      Metric(a, "aurora_publish_s3_total") + Metric(b, "aurora_publish_s3_total");
  if (published != written) {
    std::cout
        << Jobs(a, "?limit=1000").dump(1) << "\n"
        << a.Get("/metrics").body << b.Get("/metrics").body
        << Http(S3ProxyPort(), "GET", "/__proxy/stats?prefix=/" + S3Bucket() + "/" + prefix_).body
        << "\n";
  }
  const double runs =
      Metric(a, "aurora_jobs_attempts_total") + Metric(b, "aurora_jobs_attempts_total");
  EXPECT_EQ(published, written);
  EXPECT_EQ(
      Metric(a, "aurora_publish_s3_skipped_total") + Metric(b, "aurora_publish_s3_skipped_total"),
      0);
  EXPECT_GE(runs, s3_jobs);
  std::cout << "[ 2 servers] " << kEdits << " edits -> " << s3_jobs << " publish jobs, " << runs
            << " runs (" << Metric(a, "aurora_jobs_attempts_total") << " + "
            << Metric(b, "aurora_jobs_attempts_total") << "), " << written
            << " revisions written\n";
}

TEST_P(PublishTest, ABurstOfAHundredEditsCoalescesIntoFewPublishes) {
  if (S3Endpoint().empty()) GTEST_SKIP() << kS3SkipMessage;
  auto& server = Start(Env(true));
  ASSERT_TRUE(WaitFor([&] { return S3Revision() == 0; }, 5s)) << server.log();
  const json p = Create(server, "parameters",
                        {{"name", "limit"}, {"dataType", "number"}, {"defaultValue", 0}});
  const std::string path = "/api/v1/parameters/" + std::to_string(p["id"].get<int>());
  for (int i = 1; i <= 100; ++i) {
    const auto r = server.Patch(path, json{{"defaultValue", i}}.dump(),
                                {{"If-Match", "\"" + std::to_string(i) + "\""}});
    ASSERT_EQ(r.status, 200) << r.body;
  }
  const std::int64_t latest = Revision(server);
  ASSERT_EQ(latest, 101);
  ASSERT_TRUE(WaitFor([&] { return S3Revision() == latest; }, 5s)) << server.log();
  EXPECT_EQ(json::parse(S3Body("parameters.json"))["parameters"][0]["defaultValue"], 100);
  const int puts = S3Count("PUT", prefix_ + "snapshot.json");
  std::cout << "[ burst    ] 101 writes -> " << puts << " publishes to S3\n";
  EXPECT_LE(puts, 50);  // 7-17 here; under ASan on a busy machine about 30
  EXPECT_EQ(Metric(server, "aurora_publish_s3_total"), puts);
}

TEST_P(PublishTest, PublishDirGetsTheSameFilesWrittenAtomically) {
  const std::string dir = db_.dir + "/published";
  auto env = Env(false);
  env["PUBLISH_DIR"] = dir;
  auto& server = Start(env);
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(dir + "/snapshot.json"); }, 5s))
      << server.log();
  Create(server, "attributes", {{"name", "user_id"}, {"dataType", "string"}});
  ASSERT_TRUE(
      WaitFor([&] { return jobs::SnapshotRevision(ReadFile(dir + "/snapshot.json")) == 1; }, 1s))
      << server.log();
  EXPECT_EQ(ReadFile(dir + "/snapshot.json"), server.Get("/api/v1/sdk/config").body);
  EXPECT_EQ(ReadFile(dir + "/snapshots/1.json"), server.Get("/api/v1/sdk/config").body);
  EXPECT_EQ(ReadFile(dir + "/parameters.json"), server.Post("/api/v1/sdk/parameters", "").body);
  EXPECT_EQ(ReadFile(dir + "/experiments.json"), server.Post("/api/v1/sdk/experiments", "").body);
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
  ASSERT_TRUE(WaitFor([&] { return Metric(server, "aurora_publish_file_revision") == 1; }, 1s));

  // A newer revision already there (another deployment's, say) is never replaced by an older one.
  std::ofstream(dir + "/snapshot.json", std::ios::trunc)
      << R"({"formatVersion":1,"revision":1000})";
  Create(server, "attributes", {{"name", "country"}, {"dataType", "string"}});
  ASSERT_TRUE(WaitFor([&] { return Metric(server, "aurora_publish_file_skipped_total") == 1; }, 2s))
      << server.log();
  EXPECT_EQ(jobs::SnapshotRevision(ReadFile(dir + "/snapshot.json")), 1000);
  EXPECT_FALSE(std::filesystem::exists(dir + "/snapshots/2.json"));
  ASSERT_TRUE(WaitFor(
      [&] { return Jobs(server, "?state=succeeded")["items"].back()["revision"] == 2; }, 1s));
  const json job = Jobs(server, "?state=succeeded")["items"].back();
  EXPECT_EQ(job["result"]["written"], false);
  EXPECT_EQ(job["result"]["previousRevision"], 1000);
}

TEST_P(PublishTest, TheSchedulerStartsAndCompletesExperimentsOnTime) {
  const std::string dir = db_.dir + "/published";
  auto env = Env(false);
  env["PUBLISH_DIR"] = dir;
  env["JOBS_SCHEDULERINTERVAL"] = "100ms";
  auto& server = Start(env);
  Create(server, "attributes", {{"name", "user_id"}, {"dataType", "string"}});
  Create(server, "parameters",
         {{"name", "hero"}, {"dataType", "string"}, {"defaultValue", "Welcome"}});
  const auto variants =
      json::array({{{"name", "Control"},
                    {"trafficAllocation", 50},
                    {"parameters", {{{"parameterName", "hero"}, {"rolloutValue", "A"}}}}},
                   {{"name", "B"},
                    {"trafficAllocation", 50},
                    {"parameters", {{{"parameterName", "hero"}, {"rolloutValue", "B"}}}}}});
  // Whole seconds, as dates are written; the window opens 2 s from now and lasts 2 s.
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  const auto start = now + 2s;
  const auto end = now + 4s;
  const json e = Create(server, "experiments",
                        {{"name", "Timed"},
                         {"hashAttribute", "user_id"},
                         {"startDate", engine::FormatRfc3339(start)},
                         {"endDate", engine::FormatRfc3339(end)},
                         {"variants", variants}});
  const std::string path = "/api/v1/experiments/" + std::to_string(e["id"].get<int>());
  ASSERT_EQ(server.Post(path + "/start", "").Json()["status"], "scheduled");
  const auto scheduled_revision = Revision(server);
  const auto status = [&] { return server.Get(path).Json().value("status", std::string()); };

  ASSERT_TRUE(WaitFor([&] { return status() == "running"; }, 5s)) << server.log();
  const auto started_at = std::chrono::system_clock::now();
  EXPECT_GE(started_at, start);
  EXPECT_LT(started_at - start, 1500ms);
  EXPECT_TRUE(WaitFor([&] { return Revision(server) == scheduled_revision + 1; },
                      1s));  // the snapshot follows

  ASSERT_TRUE(WaitFor([&] { return status() == "completed"; }, 5s)) << server.log();
  const auto completed_at = std::chrono::system_clock::now();
  EXPECT_GE(completed_at, end);
  EXPECT_LT(completed_at - end, 1500ms);
  EXPECT_TRUE(WaitFor([&] { return Revision(server) == scheduled_revision + 2; },
                      1s));  // the snapshot follows

  // Each transition is audited as the scheduler's, and published.
  const json audit =
      server.Get("/api/v1/audit?order=asc&resource=experiment&id=" + std::to_string(e["id"].get<int>()))
          .Json();
  std::vector<std::string> actions;
  for (const auto& a : audit["items"]) {
    actions.push_back(a["action"]);
    if (a["action"].get<std::string>().starts_with("schedule-")) {
      EXPECT_EQ(a["actor"], "scheduler");
    }
  }
  EXPECT_EQ(actions,
            (std::vector<std::string>{"create", "start", "schedule-start", "schedule-complete"}));
  ASSERT_TRUE(WaitFor(
      [&] {
        return jobs::SnapshotRevision(ReadFile(dir + "/snapshot.json")) == scheduled_revision + 2;
      },
      2s));
  EXPECT_TRUE(json::parse(ReadFile(dir + "/snapshot.json"))["experiments"].empty());
  EXPECT_EQ(json::parse(ReadFile(dir + "/snapshots/" + std::to_string(scheduled_revision + 1) +
                                 ".json"))["experiments"][0]["status"],
            "running");
}

TEST_P(PublishTest, JobsAreListedByStateWithPaging) {
  const std::string dir = db_.dir + "/published";
  auto env = Env(false);
  env["PUBLISH_DIR"] = dir;
  auto& server = Start(env);
  // One job per revision: each edit waits until the previous job has finished.
  const auto finished = [&](int revision) {
    const json done = Jobs(server, "?state=succeeded")["items"];
    return !done.empty() && done.back()["revision"] == revision;
  };
  ASSERT_TRUE(WaitFor([&] { return finished(0); }, 5s));
  for (int i = 0; i < 3; ++i) {
    Create(server, "attributes", {{"name", "a" + std::to_string(i)}, {"dataType", "string"}});
    ASSERT_TRUE(WaitFor([&] { return finished(i + 1); }, 2s));
  }
  ASSERT_TRUE(WaitFor([&] { return Jobs(server, "?state=succeeded")["items"].size() == 4; }, 2s))
      << Jobs(server);
  const json first = Jobs(server, "?limit=3");
  ASSERT_EQ(first["items"].size(), 3u);
  ASSERT_TRUE(first["nextCursor"].is_string());
  const json rest = Jobs(server, "?limit=3&cursor=" + first["nextCursor"].get<std::string>());
  ASSERT_EQ(rest["items"].size(), 1u);
  EXPECT_TRUE(rest["nextCursor"].is_null());
  const json job = rest["items"][0];
  for (const char* field :
       {"id", "kind", "key", "revision", "state", "attempts", "maxAttempts", "runAt", "lockedBy",
        "lockedUntil", "lastError", "result", "createdAt", "updatedAt", "finishedAt"}) {
    EXPECT_TRUE(job.contains(field)) << field;
  }
  EXPECT_EQ(job["kind"], "publish");
  EXPECT_EQ(job["key"], "publish:file");
  EXPECT_EQ(job["maxAttempts"], 25);
  EXPECT_TRUE(Jobs(server, "?state=dead")["items"].empty());
  EXPECT_EQ(server.Get("/api/v1/jobs?state=done").status, 400);
  EXPECT_EQ(server.Get("/api/v1/jobs?limit=0").status, 400);
  EXPECT_EQ(server.Get("/api/v1/jobs?cursor=x").status, 400);
}

TEST_P(PublishTest, TheJobsEndpointNeedsAnAdminKey) {
  auto env = Env(false);
  env["AUTH_ENABLED"] = "true";
  auto& server = Start(env);
  EXPECT_EQ(server.Get("/api/v1/jobs").status, 401);
  // The first start printed the bootstrap keys.
  const std::string log = server.log();
  const auto admin = log.find("aur_admin_");
  const auto sdk = log.find("aur_sdk_");
  ASSERT_NE(admin, std::string::npos) << log;
  ASSERT_NE(sdk, std::string::npos) << log;
  const auto key = [&](std::size_t at) {
    return log.substr(at, log.find_first_of(" \r\n", at) - at);
  };
  EXPECT_EQ(server.Get("/api/v1/jobs", {{"Authorization", "Bearer " + key(admin)}}).status, 200);
  EXPECT_EQ(server.Get("/api/v1/jobs", {{"Authorization", "Bearer " + key(sdk)}}).status, 403);
}

INSTANTIATE_TEST_SUITE_P(Backends, PublishTest, ::testing::Values("sqlite", "postgres"),
                         BackendName);

}  // namespace
}  // namespace aurora::testing
