#pragma once

#include <string>

#include "jobs/publisher.hpp"
#include "s3/object_store.hpp"

namespace aurora::jobs {

/// Publishes to an S3 bucket under `prefix` (docs/jobs.md "Layout"): snapshots/<revision>.json
/// (immutable), parameters.json, experiments.json, then snapshot.json last, each carrying
/// x-amz-meta-aurora-revision. The revision already there is read from snapshot.json's
/// metadata (HEAD), so an older revision never replaces a newer one.
class S3Publisher final : public Publisher {
 public:
  S3Publisher(s3::ObjectStore& store, std::string prefix) : store_(store), prefix_(std::move(prefix)) {}
  std::string_view target() const override { return "s3"; }
  Result<PublishOutcome> Publish(const SnapshotFiles& files, std::stop_token stop) override;

  /// The revision in the bucket's snapshot.json (at `below`, relative to the prefix):
  /// nullopt when there is none.
  Result<std::optional<std::int64_t>> CurrentRevision(std::stop_token stop, const std::string& below = "");

 private:
  Result<PublishOutcome> PublishAt(const std::string& below, const SnapshotFiles& files, std::stop_token stop);

  s3::ObjectStore& store_;
  std::string prefix_;
};

}  // namespace aurora::jobs
