#pragma once

// An in-memory KvStore for SDK tests: a map behind a mutex, with switches to make reads or
// writes fail and direct access to the stored bytes (to corrupt them).

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "aurora/sdk/kv_store.hpp"

namespace aurora::testing {

/// Thread-safe.
class MemoryKvStore final : public KvStore {
 public:
  Result<std::optional<std::string>> Get(std::string_view key) override {
    std::lock_guard lock(mutex_);
    ++gets_;
    if (fail_reads_) return Error{ErrorCode::kUnavailable, "memory store: reads fail"};
    const auto it = values_.find(std::string(key));
    if (it == values_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Result<void> Put(std::string_view key, std::string_view value) override {
    std::lock_guard lock(mutex_);
    ++puts_;
    if (fail_writes_) return Error{ErrorCode::kUnavailable, "memory store: writes fail"};
    values_[std::string(key)] = std::string(value);
    return {};
  }

  void FailReads(bool fail) {
    std::lock_guard lock(mutex_);
    fail_reads_ = fail;
  }
  void FailWrites(bool fail) {
    std::lock_guard lock(mutex_);
    fail_writes_ = fail;
  }
  /// The stored value, or nullopt.
  std::optional<std::string> Raw(const std::string& key) const {
    std::lock_guard lock(mutex_);
    const auto it = values_.find(key);
    return it == values_.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  void SetRaw(const std::string& key, std::string value) {
    std::lock_guard lock(mutex_);
    values_[key] = std::move(value);
  }
  /// The only key, or empty (SDK tests store one snapshot).
  std::string OnlyKey() const {
    std::lock_guard lock(mutex_);
    return values_.size() == 1 ? values_.begin()->first : std::string();
  }
  int puts() const {
    std::lock_guard lock(mutex_);
    return puts_;
  }
  int gets() const {
    std::lock_guard lock(mutex_);
    return gets_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> values_;
  bool fail_reads_ = false;
  bool fail_writes_ = false;
  int puts_ = 0;
  int gets_ = 0;
};

}  // namespace aurora::testing
