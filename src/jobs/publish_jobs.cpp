#include "jobs/publish_jobs.hpp"

#include <nlohmann/json.hpp>

#include "store/resources.hpp"

namespace aurora::jobs {

PublishJobs::PublishJobs(store::Database& db, PublishOptions options)
    : db_(db), options_(std::move(options)) {
  if (!options_.now) {
    options_.now = [] {
      return std::chrono::time_point_cast<std::chrono::microseconds>(
          std::chrono::system_clock::now());
    };
  }
}

std::int64_t PublishJobs::NowMicros() const { return options_.now().time_since_epoch().count(); }

void PublishJobs::AddTarget(std::unique_ptr<Publisher> publisher) {
  auto t = std::make_unique<Target>();
  t->key = std::string(kPublishKind) + ":" + std::string(publisher->target());
  t->publisher = std::move(publisher);
  targets_.push_back(std::move(t));
}

std::string PublishJobs::KeyFor(const Target& target, const std::string& environment) const {
  return environment == options_.default_environment ? target.key : target.key + ":" + environment;
}

Result<void> PublishJobs::EnqueueAll(store::Transaction& tx, const store::EnvironmentRevision& changed,
                                     bool dead_counts) {
  const std::int64_t now = NowMicros();
  for (const auto& t : targets_) {
    EnqueueRequest request;
    request.kind = kPublishKind;
    request.key = KeyFor(*t, changed.environment);
    request.revision = changed.revision;
    request.max_attempts = options_.max_attempts;
    request.run_at =
        now + std::chrono::duration_cast<std::chrono::microseconds>(options_.delay).count();
    request.dead_counts = dead_counts;
    auto r = Enqueue(tx, request, now);
    if (!r) return std::move(r).error();
  }
  return {};
}

Result<void> PublishJobs::OnWrite(store::Transaction& tx, const std::vector<store::EnvironmentRevision>& changed) {
  for (const auto& c : changed) {
    if (auto r = EnqueueAll(tx, c, true); !r) return r;
  }
  return {};
}

Result<void> PublishJobs::EnqueueCurrent() {
  if (targets_.empty()) return {};
  auto tx = db_.Begin(true);
  if (!tx) return std::move(tx).error();
  // Serialized with the writes that enqueue (they hold the same lock).
  auto revision = store::LockRevision(**tx);
  if (!revision) return std::move(revision).error();
  auto environments = store::AllEnvironments(**tx);
  if (!environments) return std::move(environments).error();
  for (const auto& e : *environments) {
    if (auto r = EnqueueAll(**tx, store::EnvironmentRevision{e.name, e.revision}, false); !r) return r;
  }
  return (*tx)->Commit();
}

void PublishJobs::Register(JobRunner& runner) {
  runner.Handle(kPublishKind,
                [this](const Job& job, std::stop_token stop) { return Run(job, std::move(stop)); });
}

Result<JobOutcome> PublishJobs::Run(const Job& job, std::stop_token stop) {
  Target* target = nullptr;
  std::string environment = options_.default_environment;
  for (const auto& t : targets_) {
    if (t->key == job.key) {
      target = t.get();
    } else if (job.key.starts_with(t->key + ":")) {
      target = t.get();
      environment = job.key.substr(t->key.size() + 1);
    }
  }
  if (target == nullptr) {
    // Enqueued by a process with another configuration (say, S3 enabled there, not here):
    // fail, so that process's workers (or a retry here after a restart) can do it.
    return Error{ErrorCode::kUnavailable, "this server has no publish target for " + job.key};
  }
  const auto started = std::chrono::steady_clock::now();
  auto files = BuildSnapshotFiles(db_, environment, environment == options_.default_environment);
  if (!files && files.error().code == ErrorCode::kNotFound) {
    // The environment was deleted after the write that enqueued this: nothing to publish.
    nlohmann::ordered_json result;
    result["target"] = std::string(target->publisher->target());
    result["environment"] = environment;
    result["skipped"] = "the environment no longer exists";
    return JobOutcome{job.revision, result.dump(), options_.delay};
  }
  if (!files) {
    target->failures.fetch_add(1);
    return std::move(files).error();
  }
  auto outcome = target->publisher->Publish(*files, stop);
  if (!outcome) {
    target->failures.fetch_add(1);
    return std::move(outcome).error();
  }
  const auto took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  (outcome->written ? target->published : target->skipped).fetch_add(1);
  if (files->is_default) target->last_revision.store(files->revision);
  target->last_duration_seconds.store(took);
  if (outcome->written && files->generated_at) {
    target->last_latency_seconds.store(static_cast<double>(NowMicros() - *files->generated_at) /
                                       1e6);
  }
  nlohmann::ordered_json result;
  result["target"] = std::string(target->publisher->target());
  result["environment"] = environment;
  result["revision"] = files->revision;
  result["written"] = outcome->written;
  result["previousRevision"] = outcome->previous_revision
                                   ? nlohmann::ordered_json(*outcome->previous_revision)
                                   : nlohmann::ordered_json(nullptr);
  result["seconds"] = took;
  // A burst of writes still going on: let it coalesce again before the next run.
  return JobOutcome{files->revision, result.dump(), options_.delay};
}

std::vector<PublishStats> PublishJobs::stats() const {
  std::vector<PublishStats> out;
  for (const auto& t : targets_) {
    PublishStats s;
    s.target = std::string(t->publisher->target());
    s.published = t->published.load();
    s.skipped = t->skipped.load();
    s.failures = t->failures.load();
    s.last_revision = t->last_revision.load();
    s.last_latency_seconds = t->last_latency_seconds.load();
    s.last_duration_seconds = t->last_duration_seconds.load();
    out.push_back(std::move(s));
  }
  return out;
}

Result<bool> ExperimentsDue(store::Database& db, std::int64_t now) {
  auto tx = db.Begin(false);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query(
      "SELECT 1 FROM experiments WHERE "
      "(status IN ('scheduled', 'running', 'paused') AND end_date IS NOT NULL AND end_date <= $1) "
      "OR "
      "(status = 'scheduled' AND (start_date IS NULL OR start_date <= $1)) LIMIT 1",
      {store::Param(now)});
  if (!rows) return std::move(rows).error();
  return !rows->empty();
}

}  // namespace aurora::jobs
