#include "engine/bucketing.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

namespace aurora::engine {
namespace {

constexpr std::uint64_t kC1 = 0x87c37b91114253d5ULL;
constexpr std::uint64_t kC2 = 0x4cf5ad432745937fULL;

inline std::uint64_t Rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

inline std::uint64_t Load64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];  // little-endian, independent of the host
  return v;
}

inline std::uint64_t Fmix64(std::uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

}  // namespace

void Murmur3::Block(std::uint64_t k1, std::uint64_t k2) {
  k1 *= kC1;
  k1 = Rotl(k1, 31);
  k1 *= kC2;
  h1_ ^= k1;
  h1_ = Rotl(h1_, 27);
  h1_ += h2_;
  h1_ = h1_ * 5 + 0x52dce729;
  k2 *= kC2;
  k2 = Rotl(k2, 33);
  k2 *= kC1;
  h2_ ^= k2;
  h2_ = Rotl(h2_, 31);
  h2_ += h1_;
  h2_ = h2_ * 5 + 0x38495ab5;
}

void Murmur3::Update(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t n = bytes.size();
  total_ += n;
  if (pending_len_ > 0) {
    const std::size_t take = std::min(n, 16 - pending_len_);
    std::memcpy(pending_ + pending_len_, p, take);
    pending_len_ += take;
    p += take;
    n -= take;
    if (pending_len_ < 16) return;
    Block(Load64(pending_), Load64(pending_ + 8));
    pending_len_ = 0;
  }
  while (n >= 16) {
    Block(Load64(p), Load64(p + 8));
    p += 16;
    n -= 16;
  }
  std::memcpy(pending_, p, n);
  pending_len_ = n;
}

std::uint64_t Murmur3::H1() const {
  std::uint64_t h1 = h1_;
  std::uint64_t h2 = h2_;
  const unsigned char* tail = pending_;
  std::uint64_t k1 = 0;
  std::uint64_t k2 = 0;
  switch (pending_len_) {
    case 15: k2 ^= std::uint64_t{tail[14]} << 48; [[fallthrough]];
    case 14: k2 ^= std::uint64_t{tail[13]} << 40; [[fallthrough]];
    case 13: k2 ^= std::uint64_t{tail[12]} << 32; [[fallthrough]];
    case 12: k2 ^= std::uint64_t{tail[11]} << 24; [[fallthrough]];
    case 11: k2 ^= std::uint64_t{tail[10]} << 16; [[fallthrough]];
    case 10: k2 ^= std::uint64_t{tail[9]} << 8; [[fallthrough]];
    case 9:
      k2 ^= std::uint64_t{tail[8]};
      k2 *= kC2;
      k2 = Rotl(k2, 33);
      k2 *= kC1;
      h2 ^= k2;
      [[fallthrough]];
    case 8: k1 ^= std::uint64_t{tail[7]} << 56; [[fallthrough]];
    case 7: k1 ^= std::uint64_t{tail[6]} << 48; [[fallthrough]];
    case 6: k1 ^= std::uint64_t{tail[5]} << 40; [[fallthrough]];
    case 5: k1 ^= std::uint64_t{tail[4]} << 32; [[fallthrough]];
    case 4: k1 ^= std::uint64_t{tail[3]} << 24; [[fallthrough]];
    case 3: k1 ^= std::uint64_t{tail[2]} << 16; [[fallthrough]];
    case 2: k1 ^= std::uint64_t{tail[1]} << 8; [[fallthrough]];
    case 1:
      k1 ^= std::uint64_t{tail[0]};
      k1 *= kC1;
      k1 = Rotl(k1, 31);
      k1 *= kC2;
      h1 ^= k1;
      break;
    default:
      break;
  }
  h1 ^= total_;
  h2 ^= total_;
  h1 += h2;
  h2 += h1;
  h1 = Fmix64(h1);
  h2 = Fmix64(h2);
  h1 += h2;
  return h1;
}

std::uint64_t HashH1(std::string_view key) {
  Murmur3 m;
  m.Update(key);
  return m.H1();
}

std::size_t FormatNumberForHash(double value, char* out) {
  if (!std::isfinite(value)) return 0;
  // Shortest round-trip digits in scientific form: "1.234567e+06", "-0e+00", "5e-01".
  char sci[kNumberTextMax];
  const auto sci_end = std::to_chars(sci, sci + sizeof sci, value, std::chars_format::scientific).ptr;
  const char* e = static_cast<const char*>(std::memchr(sci, 'e', static_cast<std::size_t>(sci_end - sci)));
  int exponent = 0;
  std::from_chars(e + (e[1] == '+' ? 2 : 1), sci_end, exponent);
  if (exponent < -4 || exponent >= 6) {
    const auto n = static_cast<std::size_t>(sci_end - sci);
    std::memcpy(out, sci, n);
    return n;
  }
  // Same shortest digits, written plainly: "123456", "0.5", "-0".
  return static_cast<std::size_t>(std::to_chars(out, out + kNumberTextMax, value, std::chars_format::fixed).ptr - out);
}

}  // namespace aurora::engine
