#pragma once

// A narrow SQL layer under the repositories, with one implementation per dialect (SQLite and
// PostgreSQL). Repositories write portable SQL with `$1, $2, …` placeholders once; the SQLite
// driver maps them to `?1, ?2, …`. Every value crosses as text or NULL, so both drivers behave
// the same and every statement is parameterized.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aurora/result.hpp"

namespace aurora::store {

enum class Dialect { kSqlite, kPostgres };

/// A statement parameter: text or SQL NULL.
using SqlParam = std::optional<std::string>;
inline SqlParam Param(std::int64_t v) { return std::to_string(v); }
inline SqlParam Param(std::string v) { return SqlParam(std::move(v)); }
inline SqlParam Param(std::string_view v) { return SqlParam(std::string(v)); }
inline SqlParam Param(const char* v) { return SqlParam(std::string(v)); }
inline SqlParam Null() { return std::nullopt; }

/// One result row; columns by position.
struct Row {
  std::vector<std::optional<std::string>> columns;
  bool IsNull(std::size_t i) const { return !columns.at(i).has_value(); }
  const std::string& Text(std::size_t i) const;  // "" for NULL
  std::int64_t Int(std::size_t i) const;          // 0 for NULL
  std::optional<std::int64_t> OptionalInt(std::size_t i) const;
};

/// One database transaction. Not thread-safe: one thread uses it, then commits or drops it
/// (dropping without Commit rolls back). Errors: kConflict for unique, foreign-key and check
/// violations; kUnavailable when the database cannot be reached or is busy; kInternal else.
class Transaction {
 public:
  virtual ~Transaction() = default;
  virtual Result<std::vector<Row>> Query(std::string_view sql, const std::vector<SqlParam>& params = {}) = 0;
  /// Runs a statement; the number of rows it changed.
  virtual Result<std::int64_t> Exec(std::string_view sql, const std::vector<SqlParam>& params = {}) = 0;
  /// Runs several statements of trusted text (migrations); no parameters.
  virtual Result<void> ExecScript(std::string_view sql) = 0;
  virtual Result<void> Commit() = 0;
  virtual Dialect dialect() const = 0;
};

/// A database: hands out transactions. Thread-safe.
class Database {
 public:
  virtual ~Database() = default;
  /// Starts a transaction. `write` transactions are serialized against each other (SQLite:
  /// BEGIN IMMEDIATE; PostgreSQL: the caller locks the revision row).
  virtual Result<std::unique_ptr<Transaction>> Begin(bool write) = 0;
  virtual Dialect dialect() const = 0;
  /// Whether the database answers a trivial query.
  virtual Result<void> Ping() = 0;
};

/// Opens (creating when missing, with its directory) a SQLite database file in WAL mode with
/// foreign keys on and full fsync on commit.
Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path);
/// Connects to PostgreSQL with a libpq conninfo or URL; keeps up to `max_connections` open.
Result<std::unique_ptr<Database>> OpenPostgres(const std::string& dsn, int max_connections);

}  // namespace aurora::store
