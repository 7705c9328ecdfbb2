#pragma once

// MurmurHash3_x64_128 bucketing (SPEC §3): bucket(key) = h1 mod 10000, h1 the first 64-bit
// word of the hash of the key's UTF-8 bytes with seed 0.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace aurora::engine {

inline constexpr std::uint32_t kBucketCount = 10'000;

/// Incremental MurmurHash3_x64_128 (seed 0). Feeding "ab" then "c" equals feeding "abc", so a
/// compiled rule keeps the state after its constant key prefix and an evaluation copies it and
/// feeds only the attribute value: no concatenation, no allocation. A plain value type.
class Murmur3 {
 public:
  void Update(std::string_view bytes);
  /// h1 of everything fed so far; the state is left untouched.
  std::uint64_t H1() const;

 private:
  void Block(std::uint64_t k1, std::uint64_t k2);
  std::uint64_t h1_ = 0;
  std::uint64_t h2_ = 0;
  std::uint64_t total_ = 0;
  unsigned char pending_[16] = {};
  std::size_t pending_len_ = 0;
};

/// h1 of MurmurHash3_x64_128(key, seed 0).
std::uint64_t HashH1(std::string_view key);
/// HashH1(key) mod 10000.
inline std::uint32_t Bucket(std::string_view key) { return static_cast<std::uint32_t>(HashH1(key) % kBucketCount); }
inline std::uint32_t BucketOf(const Murmur3& state) { return static_cast<std::uint32_t>(state.H1() % kBucketCount); }

/// Longest text FormatNumberForHash writes.
inline constexpr std::size_t kNumberTextMax = 32;
/// Writes a number as hash input text: shortest round-trip digits, exponent form `d.ddde±XX`
/// when the decimal exponent is < -4 or >= 6, else plain (SPEC §3). Returns the length written
/// to `out` (which holds at least kNumberTextMax bytes), 0 for a NaN or infinity.
std::size_t FormatNumberForHash(double value, char* out);

}  // namespace aurora::engine
