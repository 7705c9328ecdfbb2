// The job queue on a migrated database of each dialect: SQLite always, PostgreSQL when
// AURORA_TEST_POSTGRES_DSN is set (a fresh schema per test).

#include "jobs/job_queue.hpp"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "server/server_fixture.hpp"
#include "store/migrations.hpp"
#include "store/resources.hpp"
#include "support/server_process.hpp"

namespace aurora::testing {
namespace {

using jobs::Enqueue;
using jobs::EnqueueOutcome;
using jobs::EnqueueRequest;
using jobs::Job;
using jobs::JobQueue;
using jobs::JobState;
using jobs::RetryPolicy;
using namespace std::chrono_literals;

constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kT0 = 1'800'000'000 * kSecond;  // a fixed "now"

class JobQueueTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres" && std::getenv("AURORA_TEST_POSTGRES_DSN") == nullptr) {
      GTEST_SKIP() << "AURORA_TEST_POSTGRES_DSN is not set (make test starts a PostgreSQL server "
                      "and sets it)";
    }
    tdb_ = TestDatabase::Make(GetParam());
    auto db = GetParam() == "sqlite" ? store::OpenSqlite(tdb_.dir + "/aurora.db")
                                     : store::OpenPostgres(tdb_.dsn, 8);
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    store::Migrator migrator(*db_);
    auto up = migrator.Up();
    ASSERT_TRUE(up) << up.error().message;
  }
  void TearDown() override {
    db_.reset();
    if (!tdb_.dir.empty()) std::filesystem::remove_all(tdb_.dir);
  }

  // Enqueues in its own write transaction (holding the revision lock, as writes do).
  EnqueueOutcome Add(const std::string& key, std::int64_t revision, std::int64_t now = kT0,
                     bool commit = true, bool dead_counts = true) {
    auto tx = db_->Begin(true);
    EXPECT_TRUE(tx);
    EXPECT_TRUE(store::LockRevision(**tx));
    EnqueueRequest r{"publish", key, revision, 3, now, dead_counts};
    auto out = Enqueue(**tx, r, now);
    EXPECT_TRUE(out) << out.error().message;
    if (commit) {
      EXPECT_TRUE((*tx)->Commit());
    }
    return out ? *out : EnqueueOutcome::kSkipped;
  }

  JobQueue Queue(std::chrono::milliseconds lease = 30s) {
    return JobQueue(*db_, RetryPolicy{3, 1s, 4s}, lease);
  }

  std::vector<Job> All() {
    auto list = jobs::ListJobs(*db_, std::nullopt, 0, 1000);
    EXPECT_TRUE(list) << list.error().message;
    return list ? *list : std::vector<Job>{};
  }

  TestDatabase tdb_;
  std::unique_ptr<store::Database> db_;
};

TEST_P(JobQueueTest, ARolledBackTransactionEnqueuesNothing) {
  Add("publish:s3", 1, kT0, /*commit=*/false);
  EXPECT_TRUE(All().empty());
  Add("publish:s3", 1);
  ASSERT_EQ(All().size(), 1u);
  EXPECT_EQ(All()[0].state, JobState::kPending);
  EXPECT_EQ(All()[0].revision, 1);
}

TEST_P(JobQueueTest, EnqueuesOfOneKeyCoalesceIntoOnePendingJobWithTheNewestRevision) {
  EXPECT_EQ(Add("publish:s3", 1), EnqueueOutcome::kInserted);
  for (int r = 2; r <= 100; ++r) EXPECT_EQ(Add("publish:s3", r), EnqueueOutcome::kMerged);
  EXPECT_EQ(Add("publish:s3", 50), EnqueueOutcome::kMerged);  // an older revision never lowers it
  EXPECT_EQ(Add("publish:file", 100), EnqueueOutcome::kInserted);
  const auto all = All();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].key, "publish:s3");
  EXPECT_EQ(all[0].revision, 100);
  EXPECT_EQ(all[1].key, "publish:file");
}

TEST_P(JobQueueTest, ClaimLeasesTheJobToOneWorker) {
  auto queue = Queue();
  Add("publish:s3", 4);
  EXPECT_FALSE(*queue.AnyDue(kT0 - 1));
  EXPECT_TRUE(*queue.AnyDue(kT0));
  auto claimed = queue.Claim("w1", kT0);
  ASSERT_TRUE(claimed) << claimed.error().message;
  ASSERT_TRUE(claimed->has_value());
  const Job& job = **claimed;
  EXPECT_EQ(job.state, JobState::kRunning);
  EXPECT_EQ(job.attempts, 1);
  EXPECT_EQ(job.locked_by, "w1");
  EXPECT_EQ(job.locked_until, kT0 + 30 * kSecond);
  auto second = queue.Claim("w2", kT0);
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->has_value());
  EXPECT_FALSE(*queue.AnyDue(kT0));
}

TEST_P(JobQueueTest, AJobNotDueYetIsNotClaimed) {
  auto queue = Queue();
  Add("publish:s3", 1, kT0 + 5 * kSecond);
  EXPECT_FALSE(queue.Claim("w", kT0)->has_value());
  EXPECT_TRUE(queue.Claim("w", kT0 + 5 * kSecond)->has_value());
}

TEST_P(JobQueueTest, CompletingCoveringTheRevisionSucceeds) {
  auto queue = Queue();
  Add("publish:s3", 4);
  const Job job = **queue.Claim("w1", kT0);
  auto state = queue.Complete(job, 4, R"({"written":true})", kT0 + kSecond);
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ(*state, JobState::kSucceeded);
  const Job done = All().at(0);
  EXPECT_EQ(done.state, JobState::kSucceeded);
  EXPECT_EQ(done.finished_at, kT0 + kSecond);
  EXPECT_EQ(done.result, R"({"written":true})");
  EXPECT_FALSE(done.locked_until.has_value());
  // A later enqueue of an already published revision is a no-op; a newer one is a new job.
  EXPECT_EQ(Add("publish:s3", 4), EnqueueOutcome::kSkipped);
  EXPECT_EQ(Add("publish:s3", 3), EnqueueOutcome::kSkipped);
  EXPECT_EQ(Add("publish:s3", 5), EnqueueOutcome::kInserted);
  EXPECT_EQ(All().size(), 2u);
}

TEST_P(JobQueueTest, ARevisionEnqueuedWhileRunningMakesTheJobRunAgain) {
  auto queue = Queue();
  Add("publish:s3", 4);
  const Job job = **queue.Claim("w1", kT0);
  EXPECT_EQ(Add("publish:s3", 5),
            EnqueueOutcome::kMerged);  // committed while the worker publishes 4
  auto state = queue.Complete(job, 4, "{}", kT0 + kSecond, /*rerun_at=*/kT0 + 2 * kSecond);
  ASSERT_TRUE(state);
  EXPECT_EQ(*state, JobState::kPending);
  EXPECT_FALSE(queue.Claim("w2", kT0 + 2 * kSecond - 1)->has_value());  // the coalescing delay
  const Job again = **queue.Claim("w2", kT0 + 2 * kSecond);
  EXPECT_EQ(again.id, job.id);
  EXPECT_EQ(again.revision, 5);
  EXPECT_EQ(again.attempts, 1);
  EXPECT_EQ(*queue.Complete(again, 5, "{}", kT0 + 3 * kSecond), JobState::kSucceeded);
}

TEST_P(JobQueueTest, FailuresRetryWithExponentialBackoffThenDie) {
  auto queue = Queue();
  Add("publish:s3", 1);
  Job job = **queue.Claim("w", kT0);
  EXPECT_EQ(*queue.Fail(job, "S3 is down", kT0), JobState::kPending);
  EXPECT_EQ(All()[0].run_at, kT0 + 1 * kSecond);
  EXPECT_EQ(All()[0].last_error, "S3 is down");
  EXPECT_FALSE(queue.Claim("w", kT0 + kSecond - 1)->has_value());
  job = **queue.Claim("w", kT0 + kSecond);
  EXPECT_EQ(job.attempts, 2);
  EXPECT_EQ(*queue.Fail(job, "still down", kT0 + kSecond), JobState::kPending);
  EXPECT_EQ(All()[0].run_at, kT0 + 3 * kSecond);  // 2 s later
  job = **queue.Claim("w", kT0 + 3 * kSecond);
  EXPECT_EQ(job.attempts, 3);
  EXPECT_EQ(*queue.Fail(job, "gone", kT0 + 3 * kSecond), JobState::kDead);
  const Job dead = All()[0];
  EXPECT_EQ(dead.state, JobState::kDead);
  EXPECT_EQ(dead.finished_at, kT0 + 3 * kSecond);
  EXPECT_EQ(dead.last_error, "gone");
  EXPECT_FALSE(queue.Claim("w", kT0 + 100 * kSecond)->has_value());
  // The same revision again (a no-op write) does not revive it; a newer one, or a restart, does.
  EXPECT_EQ(Add("publish:s3", 1), EnqueueOutcome::kSkipped);
  EXPECT_EQ(Add("publish:s3", 1, kT0, true, /*dead_counts=*/false), EnqueueOutcome::kInserted);
  EXPECT_EQ(Add("publish:s3", 2), EnqueueOutcome::kMerged);
}

TEST(RetryPolicyTest, BackoffDoublesUpToItsMaximum) {
  const RetryPolicy p{10, 1s, 5s};
  EXPECT_EQ(p.Delay(1), 1s);
  EXPECT_EQ(p.Delay(2), 2s);
  EXPECT_EQ(p.Delay(3), 4s);
  EXPECT_EQ(p.Delay(4), 5s);
  EXPECT_EQ(p.Delay(60), 5s);
}

TEST_P(JobQueueTest, AnExpiredLeaseFreesTheJobOfAWorkerThatDied) {
  auto queue = Queue(2s);
  Add("publish:s3", 1);
  const Job lost = **queue.Claim("dead-worker", kT0);
  EXPECT_EQ(*queue.ReclaimExpired(kT0 + kSecond), 0);
  EXPECT_EQ(*queue.ReclaimExpired(kT0 + 3 * kSecond), 1);
  const Job reclaimed = All()[0];
  EXPECT_EQ(reclaimed.state, JobState::kPending);
  EXPECT_NE(reclaimed.last_error.find("lease expired"), std::string::npos);
  const Job taken = **queue.Claim("w2", kT0 + 3 * kSecond);
  EXPECT_EQ(taken.attempts, 2);
  // The old worker, should it wake up, can no longer complete or fail it.
  auto late = queue.Complete(lost, 1, "{}", kT0 + 4 * kSecond);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kConflict);
  EXPECT_EQ(*queue.Complete(taken, 1, "{}", kT0 + 4 * kSecond), JobState::kSucceeded);
}

TEST_P(JobQueueTest, AnExpiredLeaseOnTheLastAttemptIsDead) {
  auto queue = JobQueue(*db_, RetryPolicy{1, 1s, 1s}, 1s);
  auto tx = db_->Begin(true);
  ASSERT_TRUE(Enqueue(**tx, EnqueueRequest{"publish", "publish:s3", 1, 1, kT0, true}, kT0));
  ASSERT_TRUE((*tx)->Commit());
  tx->reset();
  (void)queue.Claim("w", kT0);
  EXPECT_EQ(*queue.ReclaimExpired(kT0 + 2 * kSecond), 1);
  EXPECT_EQ(All()[0].state, JobState::kDead);
}

TEST_P(JobQueueTest, ReleaseGivesTheJobBackWithoutCountingTheAttempt) {
  auto queue = Queue();
  Add("publish:s3", 1);
  const Job job = **queue.Claim("w", kT0);
  ASSERT_TRUE(queue.Release(job, kT0));
  EXPECT_EQ(All()[0].state, JobState::kPending);
  EXPECT_EQ(All()[0].attempts, 0);
}

TEST_P(JobQueueTest, ListsFiltersByStateAndCounts) {
  auto queue = Queue();
  Add("a", 1);
  Add("b", 1);
  Add("c", 1);
  const Job a = **queue.Claim("w", kT0);
  ASSERT_TRUE(queue.Complete(a, 1, "{}", kT0));
  (void)queue.Claim("w", kT0);
  auto counts = queue.CountByState();
  ASSERT_TRUE(counts);
  EXPECT_EQ((*counts)[JobState::kSucceeded], 1);
  EXPECT_EQ((*counts)[JobState::kRunning], 1);
  EXPECT_EQ((*counts)[JobState::kPending], 1);
  EXPECT_EQ(queue.List(JobState::kPending, 0, 10)->size(), 1u);
  EXPECT_EQ(queue.List(std::nullopt, a.id, 10)->size(), 2u);
  const auto json = jobs::JobToJson(All()[0]);
  EXPECT_EQ(json["state"], "succeeded");
  EXPECT_EQ(json["key"], "a");
  EXPECT_TRUE(json["result"].is_object());
  EXPECT_TRUE(json["lastError"].is_null());
  EXPECT_EQ(json["runAt"], "2027-01-15T08:00:00Z");
}

TEST_P(JobQueueTest, OldSucceededJobsAreDeletedButTheNewestOfEachKeyStays) {
  auto queue = Queue();
  for (int r = 1; r <= 3; ++r) {
    Add("publish:s3", r);
    const Job j = **queue.Claim("w", kT0);
    ASSERT_TRUE(queue.Complete(j, r, "{}", kT0 + r));
  }
  EXPECT_EQ(*queue.DeleteSucceeded(kT0 + 100), 2);
  ASSERT_EQ(All().size(), 1u);
  EXPECT_EQ(All()[0].revision, 3);
  EXPECT_EQ(Add("publish:s3", 3), EnqueueOutcome::kSkipped);
}

// Many workers (threads, each with its own connection) claiming at once take every job exactly
// once: SKIP LOCKED on PostgreSQL, the single writer on SQLite.
TEST_P(JobQueueTest, ConcurrentWorkersClaimEveryJobExactlyOnce) {
  constexpr int kJobs = 60;
  for (int i = 0; i < kJobs; ++i) Add("key-" + std::to_string(i), 1);
  auto queue = Queue();
  std::mutex mutex;
  std::multiset<std::int64_t> claimed;
  std::atomic<int> errors{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      for (;;) {
        auto job = queue.Claim("w" + std::to_string(w), kT0);
        if (!job) {
          ++errors;
          continue;  // busy: try again
        }
        if (!job->has_value()) return;
        std::this_thread::sleep_for(1ms);  // hold the job while others claim
        if (!queue.Complete(**job, 1, "{}", kT0)) ++errors;
        std::lock_guard lock(mutex);
        claimed.insert((*job)->id);
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(claimed.size(), static_cast<std::size_t>(kJobs));
  EXPECT_EQ(std::set<std::int64_t>(claimed.begin(), claimed.end()).size(),
            static_cast<std::size_t>(kJobs));
  for (const Job& j : All()) {
    EXPECT_EQ(j.state, JobState::kSucceeded);
    EXPECT_EQ(j.attempts, 1);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, JobQueueTest, ::testing::Values("sqlite", "postgres"),
                         BackendName);

}  // namespace
}  // namespace aurora::testing
