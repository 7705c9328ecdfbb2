#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "aurora/result.hpp"

namespace aurora {

/// Where the client persists its last good snapshot between runs. The default is an LMDB
/// environment in the directory given by WithPath; tests use an in-memory one.
/// Thread-safe: the client calls it from Start's thread and from its sync thread.
/// Implementations must return (not throw). Each Put must be atomic: after a crash, Get returns
/// either the old value or the new one, never a mix.
class KvStore {
 public:
  virtual ~KvStore() = default;

  /// The value under `key`; nullopt when absent; an Error (kCorrupt, kUnavailable...) when the
  /// store cannot answer.
  virtual Result<std::optional<std::string>> Get(std::string_view key) = 0;
  /// Stores `value` under `key`, replacing what was there, atomically and durably.
  virtual Result<void> Put(std::string_view key, std::string_view value) = 0;
};

}  // namespace aurora
