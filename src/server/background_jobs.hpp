#pragma once

// Wires the jobs part into aurora-server (docs/jobs.md): the publish targets from s3.* and
// publish.dir, the write hook that enqueues their jobs inside every write transaction, the job
// runner with the experiment scheduler, and their metrics.

#include <map>
#include <memory>
#include <string>

#include "aurora/result.hpp"

#include "jobs/job_queue.hpp"
#include "jobs/job_runner.hpp"
#include "jobs/publish_jobs.hpp"
#include "s3/curl_s3_client.hpp"
#include "server/api/metrics.hpp"
#include "server/config/config.hpp"
#include "server/log.hpp"
#include "server/services/clock.hpp"
#include "server/services/resource_service.hpp"
#include "store/database.hpp"

namespace aurora::server {

/// Thread-safe after Setup. Everything passed in must outlive it; Stop (or the destructor)
/// before they go.
class BackgroundJobs {
 public:
  BackgroundJobs(const Config& config, std::map<std::string, std::string> env, store::Database& db,
                 ResourceService& resources, const Clock& clock, Logger& log);
  ~BackgroundJobs();
  BackgroundJobs(const BackgroundJobs&) = delete;
  BackgroundJobs& operator=(const BackgroundJobs&) = delete;

  /// Builds the publish targets and registers the write hook and the metrics; call before
  /// serving. kInvalidArgument for unusable S3 settings.
  Result<void> Setup(api::Metrics& metrics);
  /// Enqueues the current revision for targets that do not have it, then starts the workers
  /// and the scheduler (unless jobs.enabled is false).
  Result<void> Start();
  void Stop();

 private:
  const Config& config_;
  std::map<std::string, std::string> env_;
  store::Database& db_;
  ResourceService& resources_;
  const Clock& clock_;
  Logger& log_;
  std::unique_ptr<s3::CurlS3Client> s3_;
  std::unique_ptr<jobs::PublishJobs> publishing_;
  std::unique_ptr<jobs::JobQueue> queue_;
  std::unique_ptr<jobs::JobRunner> runner_;
};

}  // namespace aurora::server
