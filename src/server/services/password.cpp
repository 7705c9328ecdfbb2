#include "server/services/password.hpp"

#include <argon2.h>

#include <stdexcept>
#include <vector>

#include "server/services/crypto.hpp"

namespace aurora::server {

std::string HashPassword(std::string_view password, const PasswordCost& cost) {
  const std::string salt = RandomBytes(16);  // 128 bits
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
