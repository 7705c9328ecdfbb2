#include "sdk/sync/poller.hpp"

#include <random>
#include <utility>

#include "sdk/sync/backoff.hpp"

namespace aurora::sdk {

Poller::Poller(SyncSchedule schedule, Attempt attempt)
    : schedule_(schedule), attempt_(std::move(attempt)) {}

Poller::~Poller() { Stop(); }

void Poller::Start() {
  std::lock_guard thread_lock(thread_mutex_);
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    wake_ = false;
    first_done_ = false;
    stopped_ = false;
  }
  thread_ = std::jthread([this](std::stop_token stop) { Run(std::move(stop)); });
}

void Poller::Stop() {
  std::lock_guard thread_lock(thread_mutex_);
  if (!thread_.joinable()) return;
  thread_.request_stop();
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Poller::Wake() {
  {
    std::lock_guard lock(mutex_);
    wake_ = true;
  }
  cv_.notify_all();
}

bool Poller::WaitForFirstAttempt(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [this] { return first_done_ || stopped_; });
  return first_done_;
}

void Poller::Run(std::stop_token stop) {
  std::minstd_rand random(std::random_device{}());
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  int failures = 0;
  while (!stop.stop_requested()) {
    {
      // Cleared before the attempt, so a Wake that arrives during it runs another one.
      std::lock_guard lock(mutex_);
      wake_ = false;
    }
    bool ok = false;
    try {
      ok = attempt_(stop);
    } catch (...) {
      ok = false;  // the attempt logs its own failures; an escaped exception is one more
    }
    {
      std::lock_guard lock(mutex_);
      first_done_ = true;
    }
    cv_.notify_all();
    failures = ok ? 0 : failures + 1;
    const auto delay =
        ok ? schedule_.refresh_rate
           : BackoffDelay(failures, schedule_.backoff_initial, schedule_.backoff_max, unit(random));
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, stop, delay, [this] { return wake_; });
  }
}

}  // namespace aurora::sdk
