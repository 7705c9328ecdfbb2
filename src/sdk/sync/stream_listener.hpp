#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string_view>
#include <stop_token>
#include <thread>

#include "aurora/sdk/transport.hpp"

#include "sdk/log.hpp"
#include "sdk/sync/poller.hpp"

namespace aurora::sdk {

/// Listens to GET {endpoint}/api/v1/sdk/stream (Server-Sent Events) on a background thread and
/// reports each announced revision, with the snapshot document when the event carries it inline; reconnects with backoff, and when the server has no stream
/// (404) tries again only every `backoff_max`. Each connection sends `Last-Event-ID: <known
/// revision>` (when > 0), so the server does not resend a snapshot the client already has.
/// Thread-safe; the destructor stops and joins.
class StreamListener {
 public:
  StreamListener(Transport& transport, HttpRequest request,
                 std::function<void(std::int64_t revision, std::string_view document)> on_revision,
                 std::function<std::int64_t()> known_revision, SyncSchedule backoff, Logger& logger);
  ~StreamListener();
  StreamListener(const StreamListener&) = delete;
  StreamListener& operator=(const StreamListener&) = delete;

  void Start();
  /// Requests stop (closing the stream at once) and joins. Idempotent.
  void Stop();

 private:
  void Run(std::stop_token stop);

  Transport& transport_;
  const HttpRequest request_;
  const std::function<void(std::int64_t, std::string_view)> on_revision_;
  const std::function<std::int64_t()> known_revision_;
  const SyncSchedule backoff_;
  Logger& logger_;
  std::mutex mutex_;  // for waiting between connections
  std::condition_variable_any cv_;
  std::mutex thread_mutex_;  // serializes Start and Stop
  std::jthread thread_;
};

/// The revision an SSE event announces: `data` {"revision": N}, else a numeric `id`; -1 if none.
std::int64_t AnnouncedRevision(std::string_view id, std::string_view data);

/// An event's inline snapshot, recognised in exactly the form aurora-server writes it,
/// `{"revision":N,"snapshot":<document>}`, without parsing the document (the engine does that
/// when it loads it). `revision` is -1 and `document` empty for any other form; the caller then
/// uses AnnouncedRevision and fetches the snapshot instead.
struct InlineSnapshot {
  std::int64_t revision = -1;
  std::string_view document;
};
InlineSnapshot FindInlineSnapshot(std::string_view data);

}  // namespace aurora::sdk
