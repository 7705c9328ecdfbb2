#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "aurora/result.hpp"
#include "aurora/sdk/kv_store.hpp"

struct MDB_env;

namespace aurora::sdk {

/// KvStore on an LMDB environment (data.mdb and lock.mdb in one directory). Each Put is one
/// write transaction, so a crash leaves the old or the new value. Thread-safe (one mutex).
///
/// LMDB trusts its file, and a damaged one could make it read outside the mapping. So the
/// environment is opened with MDB_WRITEMAP (the file is then as long as the map), and before
/// anything is read the pages in use are checked to fill at most half the map, less a margin:
/// LMDB refuses page numbers past the last one in use, and node offsets within a page are 16-bit,
/// so everything it can reach lies inside the file. A value's length is checked against the pages
/// in use before it is copied. The map is therefore sized at several times the largest value. A
/// file that fails these checks, or that LMDB reports as corrupt, is renamed to data.mdb.corrupt
/// and replaced by an empty one. Values carry their own checksum a level up. One instance per
/// directory per process (LMDB's rule); a second Open of the same directory fails.
class LmdbKvStore final : public KvStore {
 public:
  static constexpr std::size_t kDefaultMapSize = std::size_t{128} << 20;

  static Result<std::unique_ptr<LmdbKvStore>> Open(const std::string& directory,
                                                   std::size_t map_size = kDefaultMapSize);
  ~LmdbKvStore() override;
  LmdbKvStore(const LmdbKvStore&) = delete;
  LmdbKvStore& operator=(const LmdbKvStore&) = delete;

  Result<std::optional<std::string>> Get(std::string_view key) override;
  Result<void> Put(std::string_view key, std::string_view value) override;

  /// Why Open discarded the existing file, or empty when it did not.
  const std::string& discarded_reason() const { return discarded_reason_; }

 private:
  LmdbKvStore(std::string directory, std::string registered_as, std::size_t map_size);
  /// Opens the environment, discarding a damaged file once.
  Result<void> OpenEnvironment();
  Result<void> TryOpen();
  void CloseEnvironment();
  void Discard(const std::string& reason);

  std::mutex mutex_;  // guards everything below
  std::string directory_;
  std::string registered_as_;
  std::size_t map_size_;
  MDB_env* env_ = nullptr;
  unsigned int dbi_ = 0;
  bool needs_reset_ = false;  // a read found corruption: start over at the next Put
  std::string discarded_reason_;
};

}  // namespace aurora::sdk
