#include "server/background_jobs.hpp"

#include "jobs/file/file_publisher.hpp"
#include "jobs/s3/s3_publisher.hpp"

namespace aurora::server {
namespace {

constexpr const char* kSchedulerActor = "scheduler";

LogLevel ToLevel(jobs::LogSeverity s) {
  switch (s) {
    case jobs::LogSeverity::kDebug:
      return LogLevel::kDebug;
    case jobs::LogSeverity::kInfo:
      return LogLevel::kInfo;
    case jobs::LogSeverity::kWarn:
      return LogLevel::kWarn;
    case jobs::LogSeverity::kError:
      return LogLevel::kError;
  }
  return LogLevel::kInfo;
}

}  // namespace

BackgroundJobs::BackgroundJobs(const Config& config, std::map<std::string, std::string> env,
                               store::Database& db, ResourceService& resources, const Clock& clock,
                               Logger& log)
    : config_(config),
      env_(std::move(env)),
      db_(db),
      resources_(resources),
      clock_(clock),
      log_(log) {}

BackgroundJobs::~BackgroundJobs() { Stop(); }

Result<void> BackgroundJobs::Setup(api::Metrics& metrics) {
  const auto now = [this] { return clock_.Now(); };
  const Config::Jobs& jc = config_.jobs;
  publishing_ = std::make_unique<jobs::PublishJobs>(
      db_, jobs::PublishOptions{jc.max_attempts, jc.publish_delay, now, config_.environments.default_environment});

  if (config_.s3.enabled) {
    s3::ClientOptions o;
    o.bucket = config_.s3.bucket_name;
    o.region = config_.s3.region;
    // s3.region left at its default gives way to the standard AWS variables.
    if (o.region == Config::S3{}.region && env_.find("S3_REGION") == env_.end()) {
      if (auto region = s3::RegionFromEnvironment(env_); !region.empty()) o.region = region;
    }
    o.endpoint = config_.s3.endpoint;
    o.path_style = config_.s3.path_style;
    o.timeout = config_.s3.timeout;
    o.max_attempts = 2;  // a quick second try; the job queue retries with backoff beyond that
    if (config_.s3.access_key.empty() != config_.s3.secret_key.empty()) {
      return Error{ErrorCode::kInvalidArgument,
                   "s3.accessKey and s3.secretKey must be set together"};
    }
    if (!config_.s3.access_key.empty()) {
      o.credentials = {config_.s3.access_key, config_.s3.secret_key, ""};
    } else if (auto from_env = s3::CredentialsFromEnvironment(env_)) {
      o.credentials = *from_env;
    } else {
      log_.Warn(
          "S3 publishing without credentials: requests are unsigned (set s3.accessKey and "
          "s3.secretKey, "
          "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
    }
    s3_ = std::make_unique<s3::CurlS3Client>(o);
    publishing_->AddTarget(std::make_unique<jobs::S3Publisher>(*s3_, config_.s3.prefix));
    log_.Info("publishing snapshots to S3",
              {{"url", s3_->ObjectUrl(config_.s3.prefix + "snapshot.json")},
               {"environments", s3_->ObjectUrl(config_.s3.prefix + "environments/<name>/snapshot.json")},
               {"region", o.region}});
  }
  if (!config_.publish.dir.empty()) {
    publishing_->AddTarget(std::make_unique<jobs::file::FilePublisher>(config_.publish.dir));
    log_.Info("publishing snapshots to a directory", {{"dir", config_.publish.dir}});
  }
  if (!publishing_->empty()) {
    resources_.OnWrite([this](store::Transaction& tx, const std::vector<store::EnvironmentRevision>& changed) {
      return publishing_->OnWrite(tx, changed);
    });
  }

  queue_ = std::make_unique<jobs::JobQueue>(
      db_, jobs::RetryPolicy{jc.max_attempts, jc.backoff, jc.max_backoff}, jc.lease);
  jobs::RunnerOptions ro;
  ro.workers = jc.workers;
  ro.poll_interval = jc.poll_interval;
  ro.retention = jc.retention;
  ro.now = now;
  ro.log = [this](jobs::LogSeverity s, std::string_view message, const jobs::LogFields& fields) {
    log_.Log(ToLevel(s), message, fields);
  };
  runner_ = std::make_unique<jobs::JobRunner>(*queue_, ro);
  publishing_->Register(*runner_);
  runner_->Every("experiment-scheduler", jc.scheduler_interval, [this]() -> Result<void> {
    // A read first, so the write (which locks the revision) runs only when something is due.
    auto due = jobs::ExperimentsDue(db_, ToMicros(clock_.Now()));
    if (!due) return std::move(due).error();
    if (!*due) return {};
    auto moved = resources_.AdvanceSchedules(kSchedulerActor);
    if (!moved) return std::move(moved).error();
    if (*moved > 0) log_.Info("scheduler moved experiments", {{"count", std::to_string(*moved)}});
    return {};
  });
  // A local commit may have enqueued: look now rather than at the next poll.
  resources_.OnCommit([this](const std::vector<store::EnvironmentRevision>&) { runner_->Wake(); });

  auto* runner = runner_.get();
  const auto state_gauge = [runner](jobs::JobState state) {
    return [runner, state] {
      const auto stats = runner->stats();
      const auto it = stats.queue.find(state);
      return it == stats.queue.end() ? 0.0 : static_cast<double>(it->second);
    };
  };
  metrics.AddGauge("aurora_jobs_pending", "Jobs waiting to run (queue depth).",
                   state_gauge(jobs::JobState::kPending));
  metrics.AddGauge("aurora_jobs_running", "Jobs claimed by a worker.",
                   state_gauge(jobs::JobState::kRunning));
  metrics.AddGauge("aurora_jobs_dead", "Jobs given up after their last attempt.",
                   state_gauge(jobs::JobState::kDead));
  metrics.AddCounter("aurora_jobs_attempts_total", "Job runs started by this process.",
                     [runner] { return static_cast<double>(runner->stats().attempts); });
  metrics.AddCounter("aurora_jobs_failures_total", "Job runs of this process that failed.",
                     [runner] { return static_cast<double>(runner->stats().failures); });
  metrics.AddCounter("aurora_jobs_succeeded_total", "Job runs of this process that succeeded.",
                     [runner] { return static_cast<double>(runner->stats().succeeded); });
  metrics.AddCounter("aurora_jobs_reclaimed_total", "Expired job leases this process reclaimed.",
                     [runner] { return static_cast<double>(runner->stats().reclaimed); });
  auto* publishing = publishing_.get();
  for (const auto& target : publishing_->stats()) {
    const std::string name = target.target;
    const auto read = [publishing, name](auto field) {
      return [publishing, name, field] {
        for (const auto& s : publishing->stats()) {
          if (s.target == name) return static_cast<double>(s.*field);
        }
        return 0.0;
      };
    };
    const std::string p = "aurora_publish_" + name;
    metrics.AddGauge(p + "_revision",
                     "Newest revision this process published to " + name + " (or found there).",
                     read(&jobs::PublishStats::last_revision));
    metrics.AddGauge(
        p + "_latency_seconds",
        "Commit of the last revision this process published to " + name + " until it was there.",
        read(&jobs::PublishStats::last_latency_seconds));
    metrics.AddGauge(p + "_duration_seconds",
                     "Time the last successful publish to " + name + " took.",
                     read(&jobs::PublishStats::last_duration_seconds));
    metrics.AddCounter(p + "_total", "Revisions this process published to " + name + ".",
                       read(&jobs::PublishStats::published));
    metrics.AddCounter(p + "_skipped_total",
                       "Publish runs that found the revision already at " + name + ".",
                       read(&jobs::PublishStats::skipped));
    metrics.AddCounter(p + "_failures_total", "Publish runs to " + name + " that failed.",
                       read(&jobs::PublishStats::failures));
  }
  return {};
}

Result<void> BackgroundJobs::Start() {
  if (!runner_) return Error{ErrorCode::kInternal, "BackgroundJobs::Start before Setup"};
  if (auto r = publishing_->EnqueueCurrent(); !r) return r;
  if (!config_.jobs.enabled) {
    log_.Warn("jobs.enabled is false: this process runs no jobs and no experiment scheduler");
    return {};
  }
  runner_->Start();
  log_.Info("job workers started",
            {{"worker", runner_->worker_id()}, {"workers", std::to_string(config_.jobs.workers)}});
  return {};
}

void BackgroundJobs::Stop() {
  if (runner_) runner_->Stop();
}

}  // namespace aurora::server
