#pragma once

// The durable job queue in the `jobs` table (docs/jobs.md), on SQLite and PostgreSQL. A job is
// enqueued inside the transaction of the change that causes it, so a rolled-back change leaves
// no job and a committed one always has its job. Workers claim due jobs under a lease
// (PostgreSQL: FOR UPDATE SKIP LOCKED, so any number of server processes may work one queue;
// SQLite: inside its single write transaction), retry failures with exponential backoff and
// give up after max attempts (state `dead`). Jobs with the same key coalesce: there is at most
// one pending or running job per key, and enqueueing again raises its revision.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aurora/result.hpp"

#include "store/database.hpp"

namespace aurora::jobs {

enum class JobState { kPending, kRunning, kSucceeded, kDead };
/// "pending", "running", "succeeded", "dead".
std::string_view JobStateName(JobState state);
std::optional<JobState> ParseJobState(std::string_view name);

/// One row of the jobs table. Times are microseconds since the Unix epoch.
struct Job {
  std::int64_t id = 0;
  std::string kind;           // selects the handler: "publish"
  std::string key;            // the coalescing unit: "publish:s3"
  std::int64_t revision = 0;  // the newest revision the job must cover
  JobState state = JobState::kPending;
  int attempts = 0;  // claims so far (the current one included while running)
  int max_attempts = 1;
  std::int64_t run_at = 0;
  std::string locked_by;  // the worker that claimed it last ("" when never claimed)
  std::optional<std::int64_t> locked_until;
  std::string last_error;
  std::string result;  // JSON text of the last successful run, "" before
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> finished_at;
};

/// The API form of a job (GET /api/v1/jobs): camelCase, RFC 3339 times, `result` as JSON.
nlohmann::ordered_json JobToJson(const Job& job);

/// Retry policy of failed attempts.
struct RetryPolicy {
  int max_attempts = 25;
  /// The wait after the first failure; doubled after each further one, up to max_backoff.
  std::chrono::milliseconds backoff{1000};
  std::chrono::milliseconds max_backoff{std::chrono::minutes(5)};
  /// The wait before failed attempt `attempts` (1-based) is retried.
  std::chrono::milliseconds Delay(int attempts) const;
};

struct EnqueueRequest {
  std::string kind;
  std::string key;
  std::int64_t revision = 0;
  int max_attempts = 25;
  /// Earliest start of a new job (a short delay lets a burst of changes coalesce).
  std::int64_t run_at = 0;
  /// Whether a dead job of this key that reached `revision` makes the enqueue a no-op. True
  /// for changes (a revision that was given up on is not retried by the next no-op write);
  /// false at startup, so a restart retries what died.
  bool dead_counts = true;
};

enum class EnqueueOutcome {
  kInserted,  // a new pending job
  kMerged,    // an active job of the key now covers the revision
  kSkipped,   // a finished job of the key already covered it
};

/// Enqueues in the caller's write transaction (its commit or rollback decides). Writers must be
/// serialized against each other (the revision lock does it), as two concurrent inserts of one
/// key would collide on the unique index (kConflict).
Result<EnqueueOutcome> Enqueue(store::Transaction& tx, const EnqueueRequest& request,
                               std::int64_t now);

/// Thread-safe: each call runs its own transaction.
class JobQueue {
 public:
  JobQueue(store::Database& db, RetryPolicy policy, std::chrono::milliseconds lease)
      : db_(db), policy_(policy), lease_(lease) {}

  /// Running jobs whose lease ended (their worker died or stalled) go back to pending, or to
  /// dead when they have no attempts left; the number of jobs moved.
  Result<int> ReclaimExpired(std::int64_t now);
  /// Claims the next due job for `worker`: running, attempts + 1, leased until now + lease.
  /// nullopt when nothing is due.
  Result<std::optional<Job>> Claim(const std::string& worker, std::int64_t now);
  /// Whether any job is due at `now` (a cheap read, so idle workers need no write lock).
  Result<bool> AnyDue(std::int64_t now);
  /// The earliest run_at of the pending jobs; nullopt when there are none.
  Result<std::optional<std::int64_t>> NextRunAt();
  /// Ends a successful run that covered `done_revision`: succeeded, or pending again (from
  /// `rerun_at`) when an enqueue raised the job's revision past it meanwhile. kConflict when
  /// `job` is no longer this worker's (its lease ran out and it was reclaimed). The new state.
  Result<JobState> Complete(const Job& job, std::int64_t done_revision,
                            const std::string& result_json, std::int64_t now,
                            std::int64_t rerun_at = 0);
  /// Ends a failed run: pending after the backoff, or dead when attempts are spent. kConflict
  /// as for Complete. The new state.
  Result<JobState> Fail(const Job& job, const std::string& error, std::int64_t now);
  /// Gives a claimed job back untouched (the worker is stopping): pending, the attempt not counted.
  Result<void> Release(const Job& job, std::int64_t now);

  /// Jobs with id > after_id, ascending, optionally in one state.
  Result<std::vector<Job>> List(std::optional<JobState> state, std::int64_t after_id, int limit);
  Result<std::optional<Job>> Get(std::int64_t id);
  /// Number of jobs per state (states without jobs are absent).
  Result<std::map<JobState, std::int64_t>> CountByState();
  /// Deletes succeeded jobs finished before `before`, except the newest of each key (which
  /// remembers what was done); the number deleted.
  Result<int> DeleteSucceeded(std::int64_t before);

  const RetryPolicy& policy() const { return policy_; }
  std::chrono::milliseconds lease() const { return lease_; }

 private:
  store::Database& db_;
  RetryPolicy policy_;
  std::chrono::milliseconds lease_;
};

/// Lists jobs in a read transaction of `db` (for GET /api/v1/jobs).
Result<std::vector<Job>> ListJobs(store::Database& db, std::optional<JobState> state,
                                  std::int64_t after_id, int limit);

}  // namespace aurora::jobs
