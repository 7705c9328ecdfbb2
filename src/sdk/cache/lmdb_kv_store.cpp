#include "sdk/cache/lmdb_kv_store.hpp"

#include <filesystem>
#include <set>
#include <system_error>

#include <lmdb.h>
#include <sys/stat.h>

#include "sdk/cache/lmdb_file_check.hpp"

namespace aurora::sdk {
namespace {

// Room LMDB may touch past the start of any page it can reach: node offsets and counts in a
// page header are 16-bit (64 KiB), plus a node header and a short key.
constexpr std::size_t kReachPastPage = std::size_t{256} << 10;

// Whether every byte LMDB can reach, plus a value of up to `used` bytes starting anywhere in
// that range, lies inside the map (see the class comment). Overflow-safe.
bool UsedFitsSafely(std::size_t last_pgno, std::size_t psize, std::size_t map_size) {
  if (psize == 0 || map_size <= 2 * kReachPastPage) return false;
  const std::size_t max_pages = (map_size - 2 * kReachPastPage) / (2 * psize);
  return last_pgno < max_pages;
}

std::mutex g_open_mutex;
std::set<std::string>& OpenDirectories() {
  static std::set<std::string> directories;
  return directories;
}

std::string LmdbMessage(const char* what, int rc) {
  return std::string(what) + ": " + mdb_strerror(rc);
}

bool IsCorruption(int rc) {
  return rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID ||
         rc == MDB_VERSION_MISMATCH || rc == MDB_BAD_TXN || rc == MDB_BAD_VALSIZE ||
         rc == MDB_BAD_DBI || rc == MDB_INCOMPATIBLE || rc == MDB_CURSOR_FULL;
}

/// A read-only transaction aborted on scope exit.
class ReadTxn {
 public:
  explicit ReadTxn(MDB_env* env) { rc_ = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn_); }
  ~ReadTxn() {
    if (rc_ == 0 && txn_ != nullptr) mdb_txn_abort(txn_);
  }
  /// Ends the transaction keeping what it opened (a database handle survives only a commit).
  int Commit() {
    const int rc = mdb_txn_commit(txn_);
    txn_ = nullptr;
    return rc;
  }
  ReadTxn(const ReadTxn&) = delete;
  ReadTxn& operator=(const ReadTxn&) = delete;
  int rc() const { return rc_; }
  MDB_txn* get() const { return txn_; }

 private:
  MDB_txn* txn_ = nullptr;
  int rc_ = 0;
};

}  // namespace

Result<std::unique_ptr<LmdbKvStore>> LmdbKvStore::Open(const std::string& directory,
                                                       std::size_t map_size) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec)
    return Error{ErrorCode::kUnavailable,
                 "cannot create cache directory " + directory + ": " + ec.message()};
  std::string canonical = std::filesystem::weakly_canonical(directory, ec).string();
  if (ec) canonical = directory;
  {
    std::lock_guard lock(g_open_mutex);
    if (!OpenDirectories().insert(canonical).second) {
      return Error{ErrorCode::kConflict,
                   "cache directory " + directory + " is already open in this process"};
    }
  }
  std::unique_ptr<LmdbKvStore> store(new LmdbKvStore(directory, canonical, map_size));
  if (auto opened = store->OpenEnvironment(); !opened) return std::move(opened).error();
  return store;
}

LmdbKvStore::LmdbKvStore(std::string directory, std::string registered_as, std::size_t map_size)
    : directory_(std::move(directory)),
      registered_as_(std::move(registered_as)),
      map_size_(map_size) {}

LmdbKvStore::~LmdbKvStore() {
  CloseEnvironment();
  std::lock_guard lock(g_open_mutex);
  OpenDirectories().erase(registered_as_);
}

void LmdbKvStore::CloseEnvironment() {
  if (env_ != nullptr) mdb_env_close(env_);
  env_ = nullptr;
}

void LmdbKvStore::Discard(const std::string& reason) {
  CloseEnvironment();
  const std::filesystem::path data = std::filesystem::path(directory_) / "data.mdb";
  std::error_code ec;
  std::filesystem::rename(data, std::filesystem::path(directory_) / "data.mdb.corrupt", ec);
  if (ec) std::filesystem::remove(data, ec);
  discarded_reason_ = reason;
}

Result<void> LmdbKvStore::OpenEnvironment() {
  auto first = TryOpen();
  if (first) return first;
  if (first.error().code != ErrorCode::kCorrupt) return first;
  Discard(first.error().message);
  return TryOpen();
}

Result<void> LmdbKvStore::TryOpen() {
  if (int rc = mdb_env_create(&env_); rc != 0) {
    env_ = nullptr;
    return Error{ErrorCode::kUnavailable, LmdbMessage("mdb_env_create", rc)};
  }
  mdb_env_set_mapsize(env_, map_size_);
  if (auto checked = CheckLmdbFile((std::filesystem::path(directory_) / "data.mdb").string());
      !checked) {
    CloseEnvironment();
    return std::move(checked).error();
  }
  // MDB_WRITEMAP makes LMDB extend the file to the whole map (sparse), see the class comment.
  // MDB_NOTLS: transactions are not tied to threads (Start and the sync thread both read).
  const int rc = mdb_env_open(env_, directory_.c_str(), MDB_WRITEMAP | MDB_NOTLS, 0644);
  if (rc != 0) {
    CloseEnvironment();
    const bool corrupt = IsCorruption(rc) || rc == EINVAL || rc == EFBIG || rc == ENOMEM;
    return Error{corrupt ? ErrorCode::kCorrupt : ErrorCode::kUnavailable,
                 LmdbMessage("cannot open cache", rc)};
  }
  // Bound everything LMDB can reach before any page is read (mdb_env_open reads only the
  // two meta pages, with pread).
  MDB_envinfo info{};
  MDB_stat stat{};
  mdb_env_info(env_, &info);
  mdb_env_stat(env_, &stat);
  int fd = -1;
  struct stat file {};
  const bool have_file = mdb_env_get_fd(env_, &fd) == 0 && fstat(fd, &file) == 0;
  const std::size_t psize = stat.ms_psize;
  const std::size_t file_size = have_file ? static_cast<std::size_t>(file.st_size) : 0;
  const std::size_t map_size = info.me_mapsize;
  const bool psize_ok = psize >= 512 && psize <= 65536 && (psize & (psize - 1)) == 0;
  const bool fits =
      psize_ok && map_size <= file_size && UsedFitsSafely(info.me_last_pgno, psize, map_size);
  if (!fits) {
    CloseEnvironment();
    return Error{ErrorCode::kCorrupt, "cache file structure is damaged (page " +
                                          std::to_string(info.me_last_pgno) + " of page size " +
                                          std::to_string(psize) + " beyond a file of " +
                                          std::to_string(file_size) + " bytes)"};
  }
  ReadTxn txn(env_);
  if (txn.rc() != 0) {
    const int begin_rc = txn.rc();
    CloseEnvironment();
    return Error{IsCorruption(begin_rc) ? ErrorCode::kCorrupt : ErrorCode::kUnavailable,
                 LmdbMessage("cannot read cache", begin_rc)};
  }
  MDB_dbi dbi = 0;
  if (int open_rc = mdb_dbi_open(txn.get(), nullptr, 0, &dbi); open_rc != 0) {
    CloseEnvironment();
    return Error{ErrorCode::kCorrupt, LmdbMessage("cannot open cache database", open_rc)};
  }
  if (int commit_rc = txn.Commit(); commit_rc != 0) {
    CloseEnvironment();
    return Error{ErrorCode::kCorrupt, LmdbMessage("cannot open cache database", commit_rc)};
  }
  dbi_ = dbi;
  return {};
}

Result<std::optional<std::string>> LmdbKvStore::Get(std::string_view key) {
  std::lock_guard lock(mutex_);
  if (env_ == nullptr) return Error{ErrorCode::kUnavailable, "cache is not open"};
  if (needs_reset_) return Error{ErrorCode::kCorrupt, "cache file is damaged"};
  ReadTxn txn(env_);
  if (txn.rc() != 0)
    return Error{ErrorCode::kUnavailable, LmdbMessage("cannot read cache", txn.rc())};
  MDB_val k{key.size(), const_cast<char*>(key.data())};
  MDB_val v{};
  const int rc = mdb_get(txn.get(), dbi_, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string>();
  if (rc != 0) {
    needs_reset_ = needs_reset_ || IsCorruption(rc);
    return Error{IsCorruption(rc) ? ErrorCode::kCorrupt : ErrorCode::kUnavailable,
                 LmdbMessage("cannot read cache", rc)};
  }
  // LMDB does not check a value's length against the file. The value starts inside the reachable
  // pages; a length no larger than all pages in use keeps its end inside the map.
  MDB_envinfo info{};
  MDB_stat stat{};
  mdb_env_info(env_, &info);
  mdb_env_stat(env_, &stat);
  const std::size_t used = (static_cast<std::size_t>(info.me_last_pgno) + 1) * stat.ms_psize;
  if (!UsedFitsSafely(info.me_last_pgno, stat.ms_psize, info.me_mapsize) || v.mv_size > used) {
    needs_reset_ = true;
    return Error{ErrorCode::kCorrupt, "cache file is damaged (value larger than the file)"};
  }
  return std::optional<std::string>(std::string(static_cast<const char*>(v.mv_data), v.mv_size));
}

Result<void> LmdbKvStore::Put(std::string_view key, std::string_view value) {
  std::lock_guard lock(mutex_);
  if (needs_reset_ || env_ == nullptr) {
    if (needs_reset_) Discard("cache file is damaged");
    needs_reset_ = false;
    if (auto opened = OpenEnvironment(); !opened) return opened;
  }
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(env_, nullptr, 0, &txn); rc != 0) {
    needs_reset_ = IsCorruption(rc);
    return Error{ErrorCode::kUnavailable, LmdbMessage("cannot write cache", rc)};
  }
  MDB_val k{key.size(), const_cast<char*>(key.data())};
  MDB_val v{value.size(), const_cast<char*>(value.data())};
  if (int rc = mdb_put(txn, dbi_, &k, &v, 0); rc != 0) {
    mdb_txn_abort(txn);
    needs_reset_ = IsCorruption(rc);
    return Error{rc == MDB_MAP_FULL ? ErrorCode::kInvalidArgument : ErrorCode::kUnavailable,
                 LmdbMessage("cannot write cache", rc)};
  }
  if (int rc = mdb_txn_commit(txn); rc != 0) {
    needs_reset_ = IsCorruption(rc);
    return Error{ErrorCode::kUnavailable, LmdbMessage("cannot commit cache", rc)};
  }
  return {};
}

}  // namespace aurora::sdk
