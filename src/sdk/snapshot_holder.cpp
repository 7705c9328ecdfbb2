#include "sdk/snapshot_holder.hpp"

#include <utility>

#include <pthread.h>

namespace aurora::sdk {

std::size_t SnapshotHolder::ThisThreadStripe() noexcept {
  // pthread_self() is a per-thread address (one load); a Fibonacci multiply spreads its high
  // bits, where thread stacks differ, over the stripe index.
  const auto id = static_cast<std::uint64_t>(pthread_self());
  return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ull) >> 60) % kStripes;
}

SnapshotHolder::Pointer SnapshotHolder::Acquire() const noexcept {
  const Stripe& stripe = stripes_[ThisThreadStripe()];
  std::lock_guard lock(stripe.mutex);
  return stripe.snapshot;
}

SnapshotHolder::Pointer SnapshotHolder::Current() const noexcept {
  std::lock_guard lock(mutex_);
  return current_;
}

void SnapshotHolder::Replace(Pointer next) {
  std::array<Pointer, kStripes> aliases;
  if (next) {
    for (auto& alias : aliases) {
      auto owner = std::make_shared<Pointer>(next);
      alias = Pointer(owner, next.get());
    }
  }
  const std::int64_t revision = next ? next->revision : 0;
  {
    std::lock_guard lock(mutex_);
    current_.swap(next);
    revision_.store(revision, std::memory_order_release);
  }
  for (std::size_t i = 0; i < kStripes; ++i) {
    std::lock_guard lock(stripes_[i].mutex);
    stripes_[i].snapshot.swap(aliases[i]);
  }
  // `next` and `aliases` now hold the old snapshot; it is released here, outside every lock.
}

}  // namespace aurora::sdk
