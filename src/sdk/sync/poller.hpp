#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>

namespace aurora::sdk {

/// When to try again: `refresh_rate` after a success, BackoffDelay after failures.
struct SyncSchedule {
  std::chrono::milliseconds refresh_rate{30'000};
  std::chrono::milliseconds backoff_initial{1'000};
  std::chrono::milliseconds backoff_max{60'000};
};

/// Runs sync attempts on a background thread: one right away, then one per refresh after a
/// success, or after an exponential, jittered backoff after failures; Wake() runs one now.
/// Thread-safe. Restartable: Start after Stop runs a new thread. The destructor stops and joins.
class Poller {
 public:
  /// One attempt; true on success. Must return promptly once `stop` is requested.
  using Attempt = std::function<bool(std::stop_token stop)>;

  Poller(SyncSchedule schedule, Attempt attempt);
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  /// Starts the thread unless it runs.
  void Start();
  /// Requests stop (interrupting a transfer in progress) and joins. Idempotent.
  void Stop();
  /// Runs an attempt now instead of at the next scheduled time; nothing while stopped.
  void Wake();
  /// Waits until the first attempt since Start finished, Stop was called, or `timeout`
  /// passed; true when the attempt finished.
  bool WaitForFirstAttempt(std::chrono::milliseconds timeout);

 private:
  void Run(std::stop_token stop);

  const SyncSchedule schedule_;
  const Attempt attempt_;
  std::mutex mutex_;  // guards the flags below
  std::condition_variable_any cv_;
  bool wake_ = false;
  bool first_done_ = false;
  bool stopped_ = false;
  std::mutex thread_mutex_;  // serializes Start and Stop
  std::jthread thread_;
};

}  // namespace aurora::sdk
