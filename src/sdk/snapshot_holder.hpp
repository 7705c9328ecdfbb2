#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "engine/compiled_snapshot.hpp"

namespace aurora::sdk {

/// Holds the snapshot in use and hands out shared references to it.
/// Thread-safe: any thread may call Acquire(), Current() and Revision(); only the sync thread
/// (or Start, before it runs) calls Replace().
///
/// If every reader copied one shared_ptr, every evaluation would increment and decrement the same
/// reference count and that cache line would bounce between cores. So the holder keeps a copy
/// per stripe, each with its own control block (an aliasing shared_ptr), and a thread picks its
/// stripe from its id: evaluations on different cores touch different lines. A stripe's mutex is
/// held only to copy the pointer, and the writer holds it only to swap it.
class SnapshotHolder {
 public:
  using Pointer = std::shared_ptr<const engine::CompiledSnapshot>;

  /// This thread's reference to the current snapshot (null before the first one). Never allocates.
  Pointer Acquire() const noexcept;
  /// The current snapshot through the canonical pointer (for the sync thread and status).
  Pointer Current() const noexcept;
  /// Revision of the current snapshot; 0 when there is none. Lock-free.
  std::int64_t Revision() const noexcept { return revision_.load(std::memory_order_acquire); }
  /// Makes `next` the current snapshot for all later Acquire() calls. Allocates one small
  /// control block per stripe; the old snapshot is freed when its last reader lets go.
  void Replace(Pointer next);

 private:
  static constexpr std::size_t kStripes = 16;
  struct alignas(64) Stripe {
    mutable std::mutex mutex;  // guards snapshot only
    Pointer snapshot;
  };
  static std::size_t ThisThreadStripe() noexcept;

  std::array<Stripe, kStripes> stripes_;
  mutable std::mutex mutex_;  // guards current_ only
  Pointer current_;
  std::atomic<std::int64_t> revision_{0};
};

}  // namespace aurora::sdk
