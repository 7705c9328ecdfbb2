#pragma once

// What a publish job writes, and where: the snapshot of one revision as the files SDKs read
// (docs/jobs.md "Layout"), and the Publisher interface that S3 and the local directory
// implement.

#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "aurora/result.hpp"

#include "store/database.hpp"

namespace aurora::jobs {

/// One revision of one environment, encoded: the documents the server's SDK endpoints serve.
struct SnapshotFiles {
  std::string environment;
  /// The default environment is also published at the wave-1 locations (docs/environments.md).
  bool is_default = true;
  std::int64_t revision = 0;
  std::optional<std::int64_t> generated_at;  // commit time of `revision`, microseconds; none for 0
  std::string snapshot;                      // snapshot.json: the whole snapshot (SPEC §4)
  std::string parameters;                    // parameters.json: {"parameters": [...]}
  std::string experiments;                   // experiments.json: {"experiments": [...]}
};

/// Reads the current revision of `environment` in one read transaction and encodes it;
/// kNotFound when the environment does not exist, kInternal when it does not compile (nothing
/// that SDKs would refuse is ever published).
Result<SnapshotFiles> BuildSnapshotFiles(store::Database& db, const std::string& environment, bool is_default);

/// Where an environment's files go below a target's root: "environments/<name>/".
std::string EnvironmentPrefix(const std::string& environment);

/// The "revision" of a snapshot document, or nullopt when the text is not one.
std::optional<std::int64_t> SnapshotRevision(std::string_view json_text);

struct PublishOutcome {
  bool written = false;  // false: the target already held this revision or a newer one
  std::optional<std::int64_t> previous_revision;  // what the target held before, if anything
};

/// A place snapshots are published to. Not thread-safe: the queue runs at most one job per
/// target at a time.
class Publisher {
 public:
  virtual ~Publisher() = default;
  /// "s3" or "file": the job key is "publish:<target>".
  virtual std::string_view target() const = 0;
  /// Writes `files` under environments/<name>/ (and, for the default environment, at the
  /// root too, whose outcome it then returns), at each place unless it already holds
  /// `files.revision` or a newer one; a requested stop aborts between (or, for S3, during) writes.
  virtual Result<PublishOutcome> Publish(const SnapshotFiles& files, std::stop_token stop) = 0;
};

}  // namespace aurora::jobs
