#pragma once

// Password hashing (SPEC §11, docs/decisions/0002-password-hashing.md): Argon2id from Debian's
// libargon2, in its self-describing encoded form ($argon2id$v=19$m=…,t=…,p=…$salt$hash), so the
// cost can be raised later without invalidating stored hashes.

#include <string>
#include <string_view>

namespace aurora::server {

/// Argon2id cost: OWASP's minimum recommendation (19 MiB, 2 passes, 1 lane).
struct PasswordCost {
  unsigned int memory_kib = 19 * 1024;
  unsigned int passes = 2;
  unsigned int lanes = 1;
};

/// The encoded Argon2id hash of `password` with a fresh 128-bit salt.
std::string HashPassword(std::string_view password, const PasswordCost& cost = {});

/// Whether `password` matches `encoded` (an Argon2id hash from HashPassword). A malformed hash
/// never matches. The running time depends on the hash's cost, not on the password.
bool VerifyPassword(std::string_view password, const std::string& encoded);

}  // namespace aurora::server
