#pragma once

// Snapshot publication as jobs (docs/jobs.md): every committed write enqueues, in its own
// transaction, one coalescing job per target (key "publish:<target>"); a worker publishes the
// revision that is current when it runs, so a burst of writes gives few publishes and the last
// revision is always published.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "aurora/result.hpp"

#include "engine/time.hpp"
#include "jobs/job_queue.hpp"
#include "jobs/job_runner.hpp"
#include "jobs/publisher.hpp"
#include "store/database.hpp"
#include "store/environments.hpp"

namespace aurora::jobs {

inline constexpr const char* kPublishKind = "publish";

/// Counters of one target since start (for /metrics).
struct PublishStats {
  std::string target;
  std::uint64_t published = 0;  // runs that wrote a revision
  std::uint64_t skipped = 0;    // runs that found the revision (or a newer one) already there
  std::uint64_t failures = 0;
  std::int64_t last_revision = -1;   // the newest revision this process wrote or found; -1 before
  double last_latency_seconds = 0;   // commit of that revision -> its publication completed
  double last_duration_seconds = 0;  // time the last successful run took
};

struct PublishOptions {
  int max_attempts = 25;
  /// Earliest start of a new publish job after the write that enqueued it, so a burst of
  /// writes coalesces into one publish.
  std::chrono::milliseconds delay{std::chrono::milliseconds(50)};
  std::function<engine::Timestamp()> now;  // empty: the system clock
  /// Its jobs keep the wave-1 keys ("publish:<target>"); another environment's are
  /// "publish:<target>:<environment>".
  std::string default_environment = "production";
};

/// Thread-safe after setup: AddTarget before the runner starts and before writes are served.
class PublishJobs {
 public:
  PublishJobs(store::Database& db, PublishOptions options);

  void AddTarget(std::unique_ptr<Publisher> publisher);
  bool empty() const { return targets_.empty(); }

  /// The write hook (ResourceService::OnWrite): enqueues each changed environment's revision
  /// for every target in `tx`.
  Result<void> OnWrite(store::Transaction& tx, const std::vector<store::EnvironmentRevision>& changed);
  /// Enqueues every environment's current revision for every target unless a succeeded
  /// publish covers it (at startup: a new target, or a publish that died before a restart).
  Result<void> EnqueueCurrent();
  /// Registers the "publish" handler.
  void Register(JobRunner& runner);
  /// Runs one publish job: builds the current revision and hands it to the job's target.
  Result<JobOutcome> Run(const Job& job, std::stop_token stop);

  std::vector<PublishStats> stats() const;

 private:
  struct Target {
    std::unique_ptr<Publisher> publisher;
    std::string key;
    std::atomic<std::uint64_t> published{0};
    std::atomic<std::uint64_t> skipped{0};
    std::atomic<std::uint64_t> failures{0};
    std::atomic<std::int64_t> last_revision{-1};
    std::atomic<double> last_latency_seconds{0};
    std::atomic<double> last_duration_seconds{0};
  };
  std::int64_t NowMicros() const;
  Result<void> EnqueueAll(store::Transaction& tx, const store::EnvironmentRevision& changed, bool dead_counts);
  std::string KeyFor(const Target& target, const std::string& environment) const;

  store::Database& db_;
  PublishOptions options_;
  std::vector<std::unique_ptr<Target>> targets_;
};

/// The experiment scheduler's check: whether any experiment is due to move (scheduled past its
/// startDate, or scheduled/running/paused past its endDate) at `now` (microseconds). A cheap
/// read, so the write that moves them runs only when needed.
Result<bool> ExperimentsDue(store::Database& db, std::int64_t now);

}  // namespace aurora::jobs
