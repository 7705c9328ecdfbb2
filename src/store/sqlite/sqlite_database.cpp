#include <sqlite3.h>

#include <filesystem>
#include <mutex>

#include "store/database.hpp"

namespace aurora::store {
namespace {

Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  const int primary = rc & 0xff;
  const std::string message = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  if (primary == SQLITE_CONSTRAINT) return Error{ErrorCode::kConflict, message};
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_CANTOPEN ||
      primary == SQLITE_IOERR || primary == SQLITE_FULL) {
    return Error{ErrorCode::kUnavailable, message};
  }
  return Error{ErrorCode::kInternal, message};
}

// `$12` → `?12`: SQLite's numbered form of PostgreSQL's placeholders.
std::string ToSqlitePlaceholders(std::string_view sql) {
  std::string out(sql);
  for (std::size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] == '$' && out[i + 1] >= '0' && out[i + 1] <= '9') out[i] = '?';
  }
  return out;
}

class SqliteDatabase;

class SqliteTransaction final : public Transaction {
 public:
  SqliteTransaction(SqliteDatabase& owner, sqlite3* db) : owner_(owner), db_(db) {}
  ~SqliteTransaction() override;

  Result<std::vector<Row>> Query(std::string_view sql, const std::vector<SqlParam>& params) override {
    return Run(sql, params, true);
  }
  Result<std::int64_t> Exec(std::string_view sql, const std::vector<SqlParam>& params) override {
    auto r = Run(sql, params, false);
    if (!r) return std::move(r).error();
    return static_cast<std::int64_t>(sqlite3_changes(db_));
  }
  Result<void> ExecScript(std::string_view sql) override {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string message = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      return Error{ErrorCode::kInternal, "sqlite script: " + message};
    }
    return {};
  }
  Result<void> Commit() override {
    const int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "commit");
    done_ = true;
    return {};
  }
  Dialect dialect() const override { return Dialect::kSqlite; }

 private:
  Result<std::vector<Row>> Run(std::string_view sql, const std::vector<SqlParam>& params, bool collect) {
    sqlite3_stmt* stmt = nullptr;
    const std::string text = ToSqlitePlaceholders(sql);
    int rc = sqlite3_prepare_v2(db_, text.c_str(), static_cast<int>(text.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare");
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i + 1);
      rc = params[i] ? sqlite3_bind_text(stmt, index, params[i]->data(), static_cast<int>(params[i]->size()),
                                         SQLITE_TRANSIENT)
                     : sqlite3_bind_null(stmt, index);
      if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return SqliteError(db_, rc, "bind");
      }
    }
    std::vector<Row> rows;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      if (!collect) continue;
      Row row;
      const int n = sqlite3_column_count(stmt);
      row.columns.reserve(static_cast<std::size_t>(n));
      for (int c = 0; c < n; ++c) {
        if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
          row.columns.emplace_back(std::nullopt);
        } else {
          const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
          row.columns.emplace_back(std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c))));
        }
      }
      rows.push_back(std::move(row));
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "step");
    return rows;
  }

  SqliteDatabase& owner_;
  sqlite3* db_;
  bool done_ = false;
};

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(std::string path) : path_(std::move(path)) {}
  ~SqliteDatabase() override {
    for (sqlite3* db : idle_) sqlite3_close(db);
  }

  Result<void> Open() {
    auto db = Connect();
    if (!db) return std::move(db).error();
    Release(*db);
    return {};
  }

  Result<std::unique_ptr<Transaction>> Begin(bool write) override {
    auto db = Acquire();
    if (!db) return std::move(db).error();
    const int rc = sqlite3_exec(*db, write ? "BEGIN IMMEDIATE" : "BEGIN", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
      Error e = SqliteError(*db, rc, "begin");
      Release(*db);
      return e;
    }
    return std::unique_ptr<Transaction>(std::make_unique<SqliteTransaction>(*this, *db));
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<void> Ping() override {
    auto tx = Begin(false);
    if (!tx) return std::move(tx).error();
    auto r = (*tx)->Query("SELECT 1");
    if (!r) return std::move(r).error();
    return {};
  }

  void Release(sqlite3* db) {
    std::lock_guard lock(mutex_);
    idle_.push_back(db);
  }

 private:
  Result<sqlite3*> Acquire() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        sqlite3* db = idle_.back();
        idle_.pop_back();
        return db;
      }
    }
    return Connect();
  }

  Result<sqlite3*> Connect() {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path_.c_str(), &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      Error e{ErrorCode::kUnavailable, "cannot open SQLite database " + path_ + ": " +
                                           (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc))};
      sqlite3_close(db);
      return e;
    }
    sqlite3_busy_timeout(db, 10'000);
    // WAL lets readers run beside the single writer; FULL fsyncs every commit, so a crash or a
    // power loss never loses an acknowledged write.
    rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
                      nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
      Error e = SqliteError(db, rc, "configure " + path_);
      sqlite3_close(db);
      return e;
    }
    return db;
  }

  std::string path_;
  std::mutex mutex_;  // guards idle_ only
  std::vector<sqlite3*> idle_;
};

SqliteTransaction::~SqliteTransaction() {
  if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  owner_.Release(db_);
}

}  // namespace

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path) {
  std::error_code ec;
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec) return Error{ErrorCode::kUnavailable, "cannot create " + dir.string() + ": " + ec.message()};
  auto db = std::make_unique<SqliteDatabase>(path);
  auto opened = db->Open();
  if (!opened) return std::move(opened).error();
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace aurora::store
