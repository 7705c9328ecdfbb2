#include "jobs/job_queue.hpp"

#include <algorithm>

#include "engine/time.hpp"

namespace aurora::jobs {
namespace {

using store::Dialect;
using store::Param;
using store::Row;

#define JOBS_TRY(var, expr)                                  \
  auto var##_result = (expr);                                \
  if (!var##_result) return std::move(var##_result).error(); \
  auto var = std::move(*var##_result)

constexpr const char* kColumns =
    "id, kind, job_key, revision, state, attempts, max_attempts, run_at, locked_by, locked_until, "
    "last_error, "
    "result, created_at, updated_at, finished_at";

Job ToJob(const Row& r) {
  Job j;
  j.id = r.Int(0);
  j.kind = r.Text(1);
  j.key = r.Text(2);
  j.revision = r.Int(3);
  j.state = ParseJobState(r.Text(4)).value_or(JobState::kPending);
  j.attempts = static_cast<int>(r.Int(5));
  j.max_attempts = static_cast<int>(r.Int(6));
  j.run_at = r.Int(7);
  j.locked_by = r.Text(8);
  j.locked_until = r.OptionalInt(9);
  j.last_error = r.Text(10);
  j.result = r.Text(11);
  j.created_at = r.Int(12);
  j.updated_at = r.Int(13);
  j.finished_at = r.OptionalInt(14);
  return j;
}

nlohmann::ordered_json Time(std::optional<std::int64_t> micros) {
  if (!micros) return nullptr;
  return engine::FormatRfc3339(engine::Timestamp(std::chrono::microseconds(*micros)));
}

nlohmann::ordered_json TextOrNull(const std::string& s) {
  return s.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s);
}

// The new state a guarded UPDATE ... RETURNING state reported, or kConflict when the job was
// no longer this worker's.
Result<JobState> NewState(const Result<std::vector<Row>>& rows, const Job& job) {
  if (!rows) return rows.error();
  if (rows->empty()) {
    return Error{ErrorCode::kConflict, "job " + std::to_string(job.id) + " is no longer held by " +
                                           job.locked_by + " (its lease ran out)"};
  }
  return ParseJobState(rows->front().Text(0)).value_or(JobState::kPending);
}

}  // namespace

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kPending:
      return "pending";
    case JobState::kRunning:
      return "running";
    case JobState::kSucceeded:
      return "succeeded";
    case JobState::kDead:
      return "dead";
  }
  return "pending";
}

std::optional<JobState> ParseJobState(std::string_view name) {
  for (JobState s :
       {JobState::kPending, JobState::kRunning, JobState::kSucceeded, JobState::kDead}) {
    if (JobStateName(s) == name) return s;
  }
  return std::nullopt;
}

nlohmann::ordered_json JobToJson(const Job& job) {
  nlohmann::ordered_json j;
  j["id"] = job.id;
  j["kind"] = job.kind;
  j["key"] = job.key;
  j["revision"] = job.revision;
  j["state"] = JobStateName(job.state);
  j["attempts"] = job.attempts;
  j["maxAttempts"] = job.max_attempts;
  j["runAt"] = Time(job.run_at);
  j["lockedBy"] = TextOrNull(job.locked_by);
  j["lockedUntil"] = Time(job.locked_until);
  j["lastError"] = TextOrNull(job.last_error);
  j["result"] = job.result.empty() ? nlohmann::ordered_json(nullptr)
                                   : nlohmann::ordered_json::parse(job.result, nullptr, false);
  if (j["result"].is_discarded()) j["result"] = job.result;
  j["createdAt"] = Time(job.created_at);
  j["updatedAt"] = Time(job.updated_at);
  j["finishedAt"] = Time(job.finished_at);
  return j;
}

std::chrono::milliseconds RetryPolicy::Delay(int attempts) const {
  auto delay = backoff;
  for (int i = 1; i < attempts && delay < max_backoff; ++i) delay *= 2;
  return std::min(delay, max_backoff);
}

Result<EnqueueOutcome> Enqueue(store::Transaction& tx, const EnqueueRequest& request,
                               std::int64_t now) {
  // An active job of the key takes the newer revision; the worker publishes whatever is
  // current when it runs, and reruns when the revision moved past what it covered.
  JOBS_TRY(merged, tx.Exec("UPDATE jobs SET revision = CASE WHEN revision < $1 THEN CAST($1 AS "
                           "BIGINT) ELSE revision END, "
                           "updated_at = $2 WHERE job_key = $3 AND state IN ('pending', 'running')",
                           {Param(request.revision), Param(now), Param(request.key)}));
  if (merged > 0) return EnqueueOutcome::kMerged;
  const char* done_states = request.dead_counts ? "('succeeded', 'dead')" : "('succeeded')";
  JOBS_TRY(done,
           tx.Query(std::string("SELECT MAX(revision) FROM jobs WHERE job_key = $1 AND state IN ") +
                        done_states,
                    {Param(request.key)}));
  if (!done.empty() && !done[0].IsNull(0) && done[0].Int(0) >= request.revision)
    return EnqueueOutcome::kSkipped;
  JOBS_TRY(inserted, tx.Exec("INSERT INTO jobs (kind, job_key, revision, state, attempts, "
                             "max_attempts, run_at, created_at, "
                             "updated_at) VALUES ($1, $2, $3, 'pending', 0, $4, $5, $6, $6)",
                             {Param(request.kind), Param(request.key), Param(request.revision),
                              Param(std::int64_t{std::max(1, request.max_attempts)}),
                              Param(std::max(request.run_at, now)), Param(now)}));
  (void)inserted;
  return EnqueueOutcome::kInserted;
}

Result<int> JobQueue::ReclaimExpired(std::int64_t now) {
  {
    JOBS_TRY(tx, db_.Begin(false));
    JOBS_TRY(rows,
             tx->Query("SELECT 1 FROM jobs WHERE state = 'running' AND locked_until < $1 LIMIT 1",
                       {Param(now)}));
    if (rows.empty()) return 0;
  }
  JOBS_TRY(tx, db_.Begin(true));
  JOBS_TRY(
      n,
      tx->Exec(
          "UPDATE jobs SET "
          "state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'pending' END, "
          "finished_at = CASE WHEN attempts >= max_attempts THEN CAST($1 AS BIGINT) ELSE NULL END, "
          "last_error = 'lease expired: worker ' || COALESCE(locked_by, '?') || ' stopped or "
          "stalled', "
          "locked_until = NULL, run_at = $1, updated_at = $1 "
          "WHERE state = 'running' AND locked_until < $1",
          {Param(now)}));
  auto committed = tx->Commit();
  if (!committed) return std::move(committed).error();
  return static_cast<int>(n);
}

Result<bool> JobQueue::AnyDue(std::int64_t now) {
  JOBS_TRY(tx, db_.Begin(false));
  JOBS_TRY(rows, tx->Query("SELECT 1 FROM jobs WHERE state = 'pending' AND run_at <= $1 LIMIT 1",
                           {Param(now)}));
  return !rows.empty();
}

Result<std::optional<std::int64_t>> JobQueue::NextRunAt() {
  JOBS_TRY(tx, db_.Begin(false));
  JOBS_TRY(rows, tx->Query("SELECT MIN(run_at) FROM jobs WHERE state = 'pending'"));
  if (rows.empty() || rows[0].IsNull(0)) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(rows[0].Int(0));
}

Result<std::optional<Job>> JobQueue::Claim(const std::string& worker, std::int64_t now) {
  JOBS_TRY(tx, db_.Begin(true));
  // PostgreSQL: SKIP LOCKED lets concurrent workers (threads or processes) each take a
  // different row without waiting. SQLite: the write transaction is already exclusive.
  const std::string lock = tx->dialect() == Dialect::kPostgres ? " FOR UPDATE SKIP LOCKED" : "";
  const std::string sql =
      "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, locked_until = "
      "$2, updated_at = $3 "
      "WHERE id = (SELECT id FROM jobs WHERE state = 'pending' AND run_at <= $3 ORDER BY run_at, "
      "id LIMIT 1" +
      lock + ") RETURNING " + kColumns;
  const std::int64_t until =
      now + std::chrono::duration_cast<std::chrono::microseconds>(lease_).count();
  JOBS_TRY(rows, tx->Query(sql, {Param(worker), Param(until), Param(now)}));
  auto committed = tx->Commit();
  if (!committed) return std::move(committed).error();
  if (rows.empty()) return std::optional<Job>();
  return std::optional<Job>(ToJob(rows.front()));
}

Result<JobState> JobQueue::Complete(const Job& job, std::int64_t done_revision,
                                    const std::string& result_json, std::int64_t now,
                                    std::int64_t rerun_at) {
  JOBS_TRY(tx, db_.Begin(true));
  auto rows = tx->Query(
      "UPDATE jobs SET "
      "state = CASE WHEN revision > $1 THEN 'pending' ELSE 'succeeded' END, "
      "attempts = CASE WHEN revision > $1 THEN 0 ELSE attempts END, "
      "finished_at = CASE WHEN revision > $1 THEN NULL ELSE CAST($2 AS BIGINT) END, "
      "run_at = CASE WHEN revision > $1 THEN CAST($6 AS BIGINT) ELSE run_at END, "
      "updated_at = $2, locked_until = NULL, result = $3 "
      "WHERE id = $4 AND state = 'running' AND locked_by = $5 RETURNING state",
      {Param(done_revision), Param(now), Param(result_json), Param(job.id), Param(job.locked_by),
       Param(std::max(now, rerun_at))});
  JOBS_TRY(state, NewState(rows, job));
  auto committed = tx->Commit();
  if (!committed) return std::move(committed).error();
  return state;
}

Result<JobState> JobQueue::Fail(const Job& job, const std::string& error, std::int64_t now) {
  const std::int64_t retry_at =
      now +
      std::chrono::duration_cast<std::chrono::microseconds>(policy_.Delay(job.attempts)).count();
  JOBS_TRY(tx, db_.Begin(true));
  auto rows = tx->Query(
      "UPDATE jobs SET "
      "state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'pending' END, "
      "finished_at = CASE WHEN attempts >= max_attempts THEN CAST($1 AS BIGINT) ELSE NULL END, "
      "run_at = $2, updated_at = $1, locked_until = NULL, last_error = $3 "
      "WHERE id = $4 AND state = 'running' AND locked_by = $5 RETURNING state",
      {Param(now), Param(retry_at), Param(error.substr(0, 2000)), Param(job.id),
       Param(job.locked_by)});
  JOBS_TRY(state, NewState(rows, job));
  auto committed = tx->Commit();
  if (!committed) return std::move(committed).error();
  return state;
}

Result<void> JobQueue::Release(const Job& job, std::int64_t now) {
  JOBS_TRY(tx, db_.Begin(true));
  JOBS_TRY(n, tx->Exec("UPDATE jobs SET state = 'pending', attempts = CASE WHEN attempts > 0 THEN "
                       "attempts - 1 ELSE 0 END, "
                       "locked_until = NULL, run_at = $1, updated_at = $1 "
                       "WHERE id = $2 AND state = 'running' AND locked_by = $3",
                       {Param(now), Param(job.id), Param(job.locked_by)}));
  (void)n;
  return tx->Commit();
}

Result<std::vector<Job>> JobQueue::List(std::optional<JobState> state, std::int64_t after_id,
                                        int limit) {
  return ListJobs(db_, state, after_id, limit);
}

Result<std::optional<Job>> JobQueue::Get(std::int64_t id) {
  JOBS_TRY(tx, db_.Begin(false));
  JOBS_TRY(rows,
           tx->Query(std::string("SELECT ") + kColumns + " FROM jobs WHERE id = $1", {Param(id)}));
  if (rows.empty()) return std::optional<Job>();
  return std::optional<Job>(ToJob(rows.front()));
}

Result<std::map<JobState, std::int64_t>> JobQueue::CountByState() {
  JOBS_TRY(tx, db_.Begin(false));
  JOBS_TRY(rows, tx->Query("SELECT state, COUNT(*) FROM jobs GROUP BY state"));
  std::map<JobState, std::int64_t> counts;
  for (const Row& r : rows) {
    if (auto s = ParseJobState(r.Text(0))) counts[*s] = r.Int(1);
  }
  return counts;
}

Result<int> JobQueue::DeleteSucceeded(std::int64_t before) {
  JOBS_TRY(tx, db_.Begin(true));
  JOBS_TRY(n,
           tx->Exec("DELETE FROM jobs WHERE state = 'succeeded' AND finished_at < $1 AND id NOT IN "
                    "(SELECT MAX(id) FROM jobs WHERE state = 'succeeded' GROUP BY job_key)",
                    {Param(before)}));
  auto committed = tx->Commit();
  if (!committed) return std::move(committed).error();
  return static_cast<int>(n);
}

Result<std::vector<Job>> ListJobs(store::Database& db, std::optional<JobState> state,
                                  std::int64_t after_id, int limit) {
  JOBS_TRY(tx, db.Begin(false));
  std::string sql = std::string("SELECT ") + kColumns + " FROM jobs WHERE id > $1";
  std::vector<store::SqlParam> params = {Param(after_id)};
  if (state) {
    sql += " AND state = $2";
    params.push_back(Param(JobStateName(*state)));
  }
  sql += " ORDER BY id LIMIT " + std::to_string(std::max(1, limit));
  JOBS_TRY(rows, tx->Query(sql, params));
  std::vector<Job> jobs;
  jobs.reserve(rows.size());
  for (const Row& r : rows) jobs.push_back(ToJob(r));
  return jobs;
}

}  // namespace aurora::jobs
