#include "server/services/password.hpp"

#include <argon2.h>
#include <sys/random.h>

#include <array>
#include <stdexcept>
#include <vector>

namespace aurora::server {

std::string HashPassword(std::string_view password, const PasswordCost& cost) {
  std::array<unsigned char, 16> salt{};
  std::size_t filled = 0;
  while (filled < salt.size()) {
    const ssize_t n = getrandom(salt.data() + filled, salt.size() - filled, 0);
    if (n < 0) throw std::runtime_error("getrandom failed");  // broken invariant: no entropy source
    filled += static_cast<std::size_t>(n);
  }
  constexpr std::size_t kHashLength = 32;
  const std::size_t encoded_length =
      argon2_encodedlen(cost.passes, cost.memory_kib, cost.lanes, salt.size(), kHashLength, Argon2_id);
  std::vector<char> encoded(encoded_length);
  const int rc = argon2id_hash_encoded(cost.passes, cost.memory_kib, cost.lanes, password.data(), password.size(),
                                       salt.data(), salt.size(), kHashLength, encoded.data(), encoded.size());
  // Only a memory allocation failure or a programming error (bad cost) gets here.
  if (rc != ARGON2_OK) throw std::runtime_error(std::string("argon2id: ") + argon2_error_message(rc));
  return std::string(encoded.data());
}

bool VerifyPassword(std::string_view password, const std::string& encoded) {
  if (!encoded.starts_with("$argon2id$")) return false;
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace aurora::server
