#pragma once

#include <string>

#include "jobs/publisher.hpp"

namespace aurora::jobs::file {

/// Publishes to a local directory with the same names as S3 (docs/jobs.md "Layout"): each file
/// is written to a temporary name, flushed to disk and renamed over the old one, so readers
/// see the old or the new file, never a part. The revision already there is read from
/// snapshot.json, so an older revision never replaces a newer one.
class FilePublisher final : public Publisher {
 public:
  explicit FilePublisher(std::string dir) : dir_(std::move(dir)) {}
  std::string_view target() const override { return "file"; }
  Result<PublishOutcome> Publish(const SnapshotFiles& files, std::stop_token stop) override;

  /// The revision in the directory's snapshot.json: nullopt when there is none (or it is
  /// unreadable).
  std::optional<std::int64_t> CurrentRevision(const std::string& below = "") const;

 private:
  Result<PublishOutcome> PublishAt(const std::string& below, const SnapshotFiles& files, std::stop_token stop);

  std::string dir_;
};

/// Writes `data` to `path` atomically: a temporary file in the same directory, fsync, rename,
/// fsync of the directory.
Result<void> WriteFileAtomically(const std::string& path, std::string_view data);

}  // namespace aurora::jobs::file
