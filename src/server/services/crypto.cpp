#include "server/services/crypto.hpp"

#include <openssl/evp.h>
#include <sys/random.h>

#include <stdexcept>

namespace aurora::server {
namespace {
std::string Hex(const unsigned char* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 0xf];
  }
  return out;
}
}  // namespace

std::string Sha256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string Sha256Hex(std::string_view data) {
  const std::string digest = Sha256(data);
  return Hex(reinterpret_cast<const unsigned char*>(digest.data()), digest.size());
}

std::string RandomBytes(std::size_t bytes) {
  std::string raw(bytes, '\0');
  std::size_t filled = 0;
  while (filled < bytes) {
    const ssize_t n = getrandom(raw.data() + filled, bytes - filled, 0);
    if (n < 0) throw std::runtime_error("getrandom failed");  // broken invariant: no entropy source
    filled += static_cast<std::size_t>(n);
  }
  return raw;
}

std::string RandomHex(std::size_t bytes) {
  const std::string raw = RandomBytes(bytes);
  return Hex(reinterpret_cast<const unsigned char*>(raw.data()), bytes);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Walk the longer input fully whatever the contents; fold every difference into one value.
  const std::size_t n = a.size() > b.size() ? a.size() : b.size();
  volatile unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

}  // namespace aurora::server
