#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace aurora::server {

/// SHA-256 of `data`: the 32 raw bytes, or 64 lowercase hex digits.
std::string Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);

/// `bytes` random bytes from the OS CSPRNG (getrandom): raw, or as lowercase hex.
std::string RandomBytes(std::size_t bytes);
std::string RandomHex(std::size_t bytes);

/// Equality whose running time depends only on the lengths, never on where the inputs differ,
/// so comparing secrets leaks nothing through timing.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace aurora::server
