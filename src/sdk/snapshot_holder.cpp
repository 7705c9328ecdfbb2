#include "sdk/snapshot_holder.hpp"

#include <thread>
#include <utility>

namespace aurora::sdk {

void SnapshotHolder::Stripe::LockSlow() const noexcept {
  // Held for a pointer copy; if its holder was preempted, give the core away.
  do {
    for (int spins = 0; locked.load(std::memory_order_relaxed); ++spins) {
      if (spins > 64) std::this_thread::yield();
    }
  } while (locked.exchange(true, std::memory_order_acquire));
}

SnapshotHolder::Pointer SnapshotHolder::Current() const noexcept {
  std::lock_guard lock(mutex_);
  return current_;
}

bool SnapshotHolder::NeedsClock(const engine::CompiledSnapshot& snapshot) noexcept {
  // The evaluator reads `now` only to check experiment windows (SPEC §3 step 3).
  for (const auto& e : snapshot.experiments) {
    if (e.start_date || e.end_date) return true;
  }
  return false;
}

void SnapshotHolder::Replace(Pointer next) {
  std::array<Pointer, kStripes> aliases;
  const bool needs_clock = next && NeedsClock(*next);
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
    stripes_[i].Lock();
    stripes_[i].snapshot.swap(aliases[i]);
    stripes_[i].needs_clock = needs_clock;
    stripes_[i].Unlock();
  }
  // `next` and `aliases` now hold the old snapshot; it is released here, outside every lock.
}

}  // namespace aurora::sdk
