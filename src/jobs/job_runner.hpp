#pragma once

// Runs the queue's jobs on worker threads, and recurring tasks (the experiment scheduler, queue
// housekeeping) on one timer thread. Workers poll the queue every poll interval, and at once
// after Wake() (a local commit enqueued something).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "aurora/result.hpp"

#include "engine/time.hpp"
#include "jobs/job_queue.hpp"

namespace aurora::jobs {

/// What a handler reports for a successful run.
struct JobOutcome {
  std::int64_t revision = 0;  // the revision the run covered (see JobQueue::Complete)
  std::string result_json = "{}";
  /// When the job must run again (its revision moved on while it ran), wait this long first.
  std::chrono::milliseconds rerun_delay{0};
};

/// Runs one claimed job. A failure is retried with backoff; an exception counts as a failure.
/// `stop` is requested when the runner stops: return promptly (the job is given back).
using JobHandler = std::function<Result<JobOutcome>(const Job& job, std::stop_token stop)>;

enum class LogSeverity { kDebug, kInfo, kWarn, kError };
using LogFields = std::vector<std::pair<std::string, std::string>>;
using LogFunction =
    std::function<void(LogSeverity, std::string_view message, const LogFields& fields)>;

struct RunnerOptions {
  int workers = 2;
  std::chrono::milliseconds poll_interval{1000};
  /// Succeeded jobs older than this are deleted (the newest of each key is kept).
  std::chrono::milliseconds retention{std::chrono::hours(24)};
  /// Names this process in jobs.locked_by; "" picks "<host>:<pid>:<random>".
  std::string worker_id;
  std::function<engine::Timestamp()> now;  // empty: the system clock
  LogFunction log;                         // empty: silent
};

/// Counters since start and the queue's size at the last poll (for /metrics). Copyable.
struct RunnerStats {
  std::uint64_t attempts = 0;              // runs started
  std::uint64_t succeeded = 0;             // runs that succeeded
  std::uint64_t failures = 0;              // runs that failed (retried or dead)
  std::uint64_t dead = 0;                  // jobs this process moved to dead
  std::uint64_t reclaimed = 0;             // expired leases this process reclaimed
  std::map<JobState, std::int64_t> queue;  // jobs per state in the table
};

/// Thread-safe. Handle() and Every() before Start(); Start() once; Stop() (also by the
/// destructor) requests stop, interrupts handlers through their stop_token and joins.
class JobRunner {
 public:
  JobRunner(JobQueue& queue, RunnerOptions options);
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  void Handle(std::string kind, JobHandler handler);
  /// Runs `task` every `interval` on the timer thread (first run one interval after Start).
  void Every(std::string name, std::chrono::milliseconds interval,
             std::function<Result<void>()> task);
  void Start();
  void Stop();
  /// Makes idle workers look at the queue now.
  void Wake();

  RunnerStats stats() const;
  const std::string& worker_id() const { return worker_id_; }

 private:
  struct Recurring {
    std::string name;
    std::chrono::milliseconds interval;
    std::function<Result<void>()> task;
    std::chrono::steady_clock::time_point next;
  };

  void WorkerLoop(std::stop_token stop, int index);
  void TimerLoop(std::stop_token stop);
  enum class Step { kRan, kIdle, kError };
  /// Claims and runs one job.
  Step RunOne(const std::string& worker, std::stop_token stop);
  /// How long an idle worker may sleep: the poll interval, or less when a pending job (say, a
  /// publish waiting out its coalescing delay) falls due sooner.
  std::chrono::milliseconds IdleWait();
  void RefreshQueueStats();
  std::int64_t NowMicros() const;
  void Log(LogSeverity severity, std::string_view message, const LogFields& fields = {}) const;

  JobQueue& queue_;
  RunnerOptions options_;
  std::string worker_id_;
  std::map<std::string, JobHandler> handlers_;
  std::vector<Recurring> recurring_;

  std::mutex wake_mutex_;  // guards wake_generation_
  std::condition_variable_any wake_;
  std::uint64_t wake_generation_ = 0;

  std::atomic<std::uint64_t> attempts_{0};
  std::atomic<std::uint64_t> succeeded_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::atomic<std::uint64_t> dead_{0};
  std::atomic<std::uint64_t> reclaimed_{0};
  mutable std::mutex stats_mutex_;  // guards queue_counts_
  std::map<JobState, std::int64_t> queue_counts_;

  std::vector<std::jthread> threads_;
};

}  // namespace aurora::jobs
