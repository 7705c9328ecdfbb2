#pragma once

// GET /api/v1/sdk/stream (SPEC §5): Server-Sent Events telling SDKs about new revisions.
// Each stream is a transport EventStream: no thread per client; a slow client's queue is
// bounded and it is dropped when it falls behind, without delaying anyone else.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/http/message.hpp"
#include "server/services/snapshot_service.hpp"

namespace aurora::server::api {

struct StreamOptions {
  std::size_t max_streams = 10'000;                     ///< beyond: 503
  std::chrono::milliseconds heartbeat = std::chrono::seconds(15);
  /// Larger snapshots, and those whose event would fill over half of max_pending_bytes, go as a
  /// notice to fetch; 0: never inline.
  std::size_t inline_snapshot_bytes = 64 * 1024;
  std::size_t max_pending_bytes = 4 * 1024 * 1024;      ///< per client, then it is dropped
};

/// Thread-safe.
class StreamHub {
 public:
  explicit StreamHub(StreamOptions options);
  ~StreamHub();

  /// Answers a stream request for `current`'s environment: its current revision at once (with
  /// the snapshot unless the client's Last-Event-ID is already that revision), then every new
  /// one of that environment.
  http::Response Open(const http::Request& request, const std::shared_ptr<const SnapshotBundle>& current);
  /// Sends a new revision to every open stream of its environment.
  void Publish(const std::shared_ptr<const SnapshotBundle>& bundle);
  /// Ends the streams of an environment that was deleted.
  void CloseEnvironment(const std::string& environment);
  std::size_t open_streams() const;
  /// Ends every stream (server shutdown).
  void CloseAll();

 private:
  std::string EventFor(const SnapshotBundle& bundle, bool with_snapshot) const;
  void Heartbeats(std::stop_token stop);

  struct Subscriber {
    std::string environment;
    std::shared_ptr<http::EventStream> stream;
  };
  StreamOptions options_;
  mutable std::mutex mutex_;  // guards streams_ and last_revision_
  std::vector<Subscriber> streams_;
  std::map<std::string, std::int64_t> last_revision_;  // per environment
  std::jthread heartbeat_;
};

}  // namespace aurora::server::api
