#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aurora/result.hpp"
#include "store/database.hpp"

namespace aurora::store {

/// One versioned migration of one dialect (migrations/<dialect>/NNNN_name.{up,down}.sql).
struct EmbeddedMigration {
  const char* dialect;  // "sqlite" or "postgres"
  std::int64_t version;
  const char* name;
  const char* up;
  const char* down;
};

/// Every migration compiled into the binary, in version order per dialect.
const std::vector<EmbeddedMigration>& EmbeddedMigrations();

/// Applies or reverts migrations, each in its own transaction, recording applied versions in
/// schema_migrations. Thread-safe only against itself through the database's write lock.
class Migrator {
 public:
  explicit Migrator(Database& db);

  /// Applies every pending migration; the versions it applied.
  Result<std::vector<std::int64_t>> Up();
  /// Reverts the newest applied migration; its version, or 0 when none was applied.
  Result<std::int64_t> Down();
  /// Reverts every applied migration.
  Result<std::vector<std::int64_t>> DownAll();
  /// The newest applied version (0 when none).
  Result<std::int64_t> Version();
  /// The newest version this binary knows.
  std::int64_t Latest() const;

 private:
  Result<void> EnsureTable();
  std::vector<const EmbeddedMigration*> mine_;
  Database& db_;
};

/// Creates migrations/<dialect>/NNNN_<name>.{up,down}.sql for both dialects under `root`, with
/// NNNN one past the highest existing version; the paths created.
Result<std::vector<std::string>> CreateMigrationFiles(const std::string& root, const std::string& name);

}  // namespace aurora::store
