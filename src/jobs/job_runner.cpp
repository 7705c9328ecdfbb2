#include "jobs/job_runner.hpp"

#include <algorithm>
#include <random>

#include <unistd.h>

namespace aurora::jobs {
namespace {

std::string DefaultWorkerId() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::random_device rd;
  return std::string(host[0] != '\0' ? host : "host") + ":" + std::to_string(getpid()) + ":" +
         std::to_string(rd() % 1'000'000);
}

}  // namespace

JobRunner::JobRunner(JobQueue& queue, RunnerOptions options)
    : queue_(queue), options_(std::move(options)), worker_id_(options_.worker_id) {
  if (worker_id_.empty()) worker_id_ = DefaultWorkerId();
  if (options_.workers < 1) options_.workers = 1;
  if (!options_.now) {
    options_.now = [] {
      return std::chrono::time_point_cast<std::chrono::microseconds>(
          std::chrono::system_clock::now());
    };
  }
}

JobRunner::~JobRunner() { Stop(); }

void JobRunner::Handle(std::string kind, JobHandler handler) {
  handlers_[std::move(kind)] = std::move(handler);
}

void JobRunner::Every(std::string name, std::chrono::milliseconds interval,
                      std::function<Result<void>()> task) {
  recurring_.push_back(Recurring{std::move(name), interval, std::move(task), {}});
}

void JobRunner::Start() {
  if (!threads_.empty()) return;
  RefreshQueueStats();
  for (int i = 0; i < options_.workers; ++i) {
    threads_.emplace_back([this, i](std::stop_token stop) { WorkerLoop(stop, i); });
  }
  threads_.emplace_back([this](std::stop_token stop) { TimerLoop(stop); });
}

void JobRunner::Stop() {
  for (auto& t : threads_) t.request_stop();
  Wake();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void JobRunner::Wake() {
  {
    std::lock_guard lock(wake_mutex_);
    ++wake_generation_;
  }
  wake_.notify_all();
}

RunnerStats JobRunner::stats() const {
  RunnerStats s;
  s.attempts = attempts_.load();
  s.succeeded = succeeded_.load();
  s.failures = failures_.load();
  s.dead = dead_.load();
  s.reclaimed = reclaimed_.load();
  std::lock_guard lock(stats_mutex_);
  s.queue = queue_counts_;
  return s;
}

std::int64_t JobRunner::NowMicros() const { return options_.now().time_since_epoch().count(); }

void JobRunner::Log(LogSeverity severity, std::string_view message, const LogFields& fields) const {
  if (options_.log) options_.log(severity, message, fields);
}

void JobRunner::RefreshQueueStats() {
  auto counts = queue_.CountByState();
  if (!counts) return;
  std::lock_guard lock(stats_mutex_);
  queue_counts_ = std::move(*counts);
}

void JobRunner::WorkerLoop(std::stop_token stop, int index) {
  const std::string worker = worker_id_ + "#" + std::to_string(index);
  while (!stop.stop_requested()) {
    std::uint64_t generation = 0;
    {
      std::lock_guard lock(wake_mutex_);
      generation = wake_generation_;
    }
    Step step = Step::kError;
    try {
      step = RunOne(worker, stop);
    } catch (const std::exception& e) {
      Log(LogSeverity::kError, "job worker failed", {{"worker", worker}, {"error", e.what()}});
    }
    if (step == Step::kRan) continue;  // there may be more
    // After an error (database unreachable, say), wait a whole interval rather than spin.
    const auto wait = step == Step::kIdle ? IdleWait() : options_.poll_interval;
    std::unique_lock lock(wake_mutex_);
    wake_.wait_for(lock, stop, wait, [&] { return wake_generation_ != generation; });
  }
}

std::chrono::milliseconds JobRunner::IdleWait() {
  auto next = queue_.NextRunAt();
  if (!next || !*next) return options_.poll_interval;
  const auto until = std::chrono::microseconds(**next - NowMicros());
  const auto wait =
      std::chrono::ceil<std::chrono::milliseconds>(std::max(until, std::chrono::microseconds(0)));
  return std::clamp(wait, std::chrono::milliseconds(1),
                    std::max(options_.poll_interval, std::chrono::milliseconds(1)));
}

JobRunner::Step JobRunner::RunOne(const std::string& worker, std::stop_token stop) {
  const std::int64_t now = NowMicros();
  auto due = queue_.AnyDue(now);
  if (!due) {
    Log(LogSeverity::kWarn, "cannot read the job queue", {{"error", due.error().message}});
    return Step::kError;
  }
  if (!*due) return Step::kIdle;
  auto claimed = queue_.Claim(worker, now);
  if (!claimed) {
    Log(LogSeverity::kWarn, "cannot claim a job", {{"error", claimed.error().message}});
    return Step::kError;
  }
  if (!*claimed) return Step::kIdle;  // another worker was quicker
  const Job job = std::move(**claimed);
  attempts_.fetch_add(1);
  const LogFields fields = {
      {"job", std::to_string(job.id)},
      {"key", job.key},
      {"attempt", std::to_string(job.attempts) + "/" + std::to_string(job.max_attempts)}};

  Result<JobOutcome> outcome =
      Error{ErrorCode::kInternal, "no handler for job kind \"" + job.kind + "\""};
  if (auto it = handlers_.find(job.kind); it != handlers_.end()) {
    try {
      outcome = it->second(job, stop);
    } catch (const std::exception& e) {
      outcome = Error{ErrorCode::kInternal, std::string("the handler threw: ") + e.what()};
    }
  }

  if (stop.stop_requested() && !outcome) {
    // Interrupted by shutdown, not a failure of the job: give it back for the next worker.
    if (auto r = queue_.Release(job, NowMicros()); !r) {
      Log(LogSeverity::kWarn, "cannot release a job",
          {{"job", std::to_string(job.id)}, {"error", r.error().message}});
    }
    return Step::kRan;
  }
  if (outcome) {
    const std::int64_t now_done = NowMicros();
    auto state = queue_.Complete(
        job, outcome->revision, outcome->result_json, now_done,
        now_done +
            std::chrono::duration_cast<std::chrono::microseconds>(outcome->rerun_delay).count());
    if (!state) {
      Log(LogSeverity::kWarn, "cannot complete a job",
          {{"job", std::to_string(job.id)}, {"error", state.error().message}});
    } else {
      succeeded_.fetch_add(1);
      Log(LogSeverity::kDebug,
          *state == JobState::kPending ? "job done; its revision moved on, runs again" : "job done",
          fields);
    }
  } else {
    failures_.fetch_add(1);
    auto state = queue_.Fail(job, outcome.error().message, NowMicros());
    if (!state) {
      Log(LogSeverity::kWarn, "cannot record a job failure",
          {{"job", std::to_string(job.id)}, {"error", state.error().message}});
    } else if (*state == JobState::kDead) {
      dead_.fetch_add(1);
      LogFields f = fields;
      f.emplace_back("error", outcome.error().message);
      Log(LogSeverity::kError, "job failed for the last time; it is dead", f);
    } else {
      LogFields f = fields;
      f.emplace_back("error", outcome.error().message);
      f.emplace_back("retryIn", std::to_string(queue_.policy().Delay(job.attempts).count()) + "ms");
      Log(LogSeverity::kWarn, "job failed; will retry", f);
    }
  }
  RefreshQueueStats();
  return Step::kRan;
}

void JobRunner::TimerLoop(std::stop_token stop) {
  const auto start = std::chrono::steady_clock::now();
  for (auto& r : recurring_) r.next = start + r.interval;
  // Queue housekeeping runs with the poll interval: expired leases, metrics, old jobs.
  auto next_housekeeping = start;
  auto next_cleanup = start + std::chrono::minutes(1);
  std::mutex m;
  std::condition_variable_any cv;
  while (!stop.stop_requested()) {
    auto now = std::chrono::steady_clock::now();
    try {
      if (now >= next_housekeeping) {
        next_housekeeping = now + options_.poll_interval;
        auto reclaimed = queue_.ReclaimExpired(NowMicros());
        if (!reclaimed) {
          Log(LogSeverity::kWarn, "cannot reclaim expired jobs",
              {{"error", reclaimed.error().message}});
        } else if (*reclaimed > 0) {
          reclaimed_.fetch_add(static_cast<std::uint64_t>(*reclaimed));
          Log(LogSeverity::kWarn, "reclaimed jobs whose worker stopped or stalled",
              {{"count", std::to_string(*reclaimed)}});
          Wake();
        }
        RefreshQueueStats();
      }
      if (now >= next_cleanup) {
        next_cleanup = now + std::chrono::minutes(1);
        const auto retention =
            std::chrono::duration_cast<std::chrono::microseconds>(options_.retention).count();
        if (auto r = queue_.DeleteSucceeded(NowMicros() - retention); !r) {
          Log(LogSeverity::kWarn, "cannot delete old jobs", {{"error", r.error().message}});
        }
      }
      for (auto& r : recurring_) {
        if (now < r.next) continue;
        r.next = now + r.interval;
        if (auto done = r.task(); !done) {
          Log(LogSeverity::kWarn, "recurring task failed",
              {{"task", r.name}, {"error", done.error().message}});
        }
      }
    } catch (const std::exception& e) {
      Log(LogSeverity::kError, "recurring task threw", {{"error", e.what()}});
    }
    auto wake_at = next_housekeeping;
    for (const auto& r : recurring_) wake_at = std::min(wake_at, r.next);
    std::unique_lock lock(m);
    cv.wait_until(lock, stop, wake_at, [] { return false; });
  }
}

}  // namespace aurora::jobs
