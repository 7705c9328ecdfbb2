#pragma once

// The SDK's view of the configuration: per environment, the snapshot of its current revision,
// built once per revision and kept serialized, gzipped and compiled in memory. Readers get an
// immutable bundle; a revision is always one consistent database read.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <functional>
#include <thread>
#include <vector>

#include "aurora/result.hpp"
#include "engine/compiled_snapshot.hpp"
#include "store/database.hpp"

namespace aurora::server {

/// Everything served for one revision. Immutable; share as shared_ptr<const SnapshotBundle>.
struct SnapshotBundle {
  std::string environment;
  std::int64_t revision = 0;
  std::string generated_at;  // RFC 3339
  std::string etag;          // "\"<revision>\"" (strong)
  std::string json;          // the snapshot document
  std::string gzip;          // json, gzip-compressed
  std::string parameters_json;   // {"parameters": [...]}
  std::string experiments_json;  // {"experiments": [...]}
  std::shared_ptr<const engine::CompiledSnapshot> compiled;
};

/// Thread-safe. Current() never touches the database; Refresh() rebuilds the environments whose
/// revision moved. A background thread refreshes every `poll_interval`, which also picks up
/// writes of other server processes.
class SnapshotService {
 public:
  SnapshotService(store::Database& db, std::chrono::milliseconds poll_interval,
                  std::string default_environment = "production");
  ~SnapshotService();

  /// Builds the first bundles; call once before serving.
  Result<void> Start();
  void Stop();

  /// The default environment's bundle.
  std::shared_ptr<const SnapshotBundle> Current() const;
  /// The bundle of `environment`, or null when there is no such environment (yet).
  std::shared_ptr<const SnapshotBundle> Current(std::string_view environment) const;
  const std::string& default_environment() const { return default_environment_; }
  /// Called (on the refreshing thread) with every newly installed bundle, whichever path
  /// found it: a local commit, a NOTIFY from another process, or the poll. Set before Start.
  void OnChange(std::function<void(const std::shared_ptr<const SnapshotBundle>&)> listener);
  /// Called with the name of an environment that no longer exists. Set before Start.
  void OnRemove(std::function<void(const std::string&)> listener);
  /// Rebuilds every environment whose revision in the database differs from its bundle's.
  Result<void> Refresh();
  /// Errors of the last build attempt count (for /metrics).
  std::uint64_t build_failures() const { return build_failures_.load(); }

 private:
  Result<std::shared_ptr<const SnapshotBundle>> Build(const std::string& environment);

  store::Database& db_;
  std::chrono::milliseconds poll_interval_;
  std::string default_environment_;
  mutable std::mutex mutex_;  // guards current_
  std::map<std::string, std::shared_ptr<const SnapshotBundle>, std::less<>> current_;
  std::mutex refresh_mutex_;  // one rebuild at a time
  std::atomic<std::uint64_t> build_failures_{0};
  std::vector<std::function<void(const std::shared_ptr<const SnapshotBundle>&)>> change_listeners_;
  std::vector<std::function<void(const std::string&)>> remove_listeners_;
  std::jthread poller_;
};

/// gzip (RFC 1952) of `data` at the default level.
std::string Gzip(std::string_view data);

}  // namespace aurora::server
