#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <vector>

namespace aurora::sdk {

/// Remembers which (user, experiment) pairs were already reported, within a bounded window.
/// Thread-safe. Allocates only in the constructor.
///
/// Two generations of at most capacity/2 keys each: a key is looked up in both, a hit in the old
/// generation is promoted to the new one, and when the new generation is full it becomes the old
/// one and the former old one is dropped. So the most recent capacity/2 pairs are always
/// remembered and never more than `capacity`, an approximate LRU without per-entry allocation.
/// Pairs are kept as 64-bit MurmurHash3 values; two pairs sharing one (odds ~1e-12 for 10,000
/// entries) would suppress one exposure.
class ExposureDeduplicator {
 public:
  explicit ExposureDeduplicator(std::size_t capacity);

  /// True the first time (user, experiment) is seen in the window; records it either way.
  bool FirstTime(std::string_view user_key, std::int64_t experiment_id);
  /// The same on a precomputed key (tests).
  bool FirstTime(std::uint64_t key);

  static std::uint64_t Key(std::string_view user_key, std::int64_t experiment_id) noexcept;

 private:
  struct Generation {
    std::vector<std::uint64_t> slots;  // open addressing; 0 is empty
    std::size_t size = 0;
    bool Contains(std::uint64_t key) const noexcept;
    void Insert(std::uint64_t key) noexcept;
    void Clear() noexcept;
  };

  std::size_t generation_capacity_;
  std::mutex mutex_;  // guards the generations
  Generation young_;
  Generation old_;
};

}  // namespace aurora::sdk
