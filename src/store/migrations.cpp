#include "store/migrations.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

namespace aurora::store {

Migrator::Migrator(Database& db) : db_(db) {
  const char* dialect = db.dialect() == Dialect::kSqlite ? "sqlite" : "postgres";
  for (const EmbeddedMigration& m : EmbeddedMigrations()) {
    if (std::string_view(m.dialect) == dialect) mine_.push_back(&m);
  }
  std::sort(mine_.begin(), mine_.end(), [](auto* a, auto* b) { return a->version < b->version; });
}

std::int64_t Migrator::Latest() const { return mine_.empty() ? 0 : mine_.back()->version; }

Result<void> Migrator::EnsureTable() {
  auto tx = db_.Begin(true);
  if (!tx) return std::move(tx).error();
  auto r = (*tx)->ExecScript(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, "
      "applied_at BIGINT NOT NULL)");
  if (!r) return r;
  return (*tx)->Commit();
}

Result<std::int64_t> Migrator::Version() {
  if (auto ok = EnsureTable(); !ok) return std::move(ok).error();
  auto tx = db_.Begin(false);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!rows) return std::move(rows).error();
  return rows->at(0).Int(0);
}

namespace {
std::int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Result<std::vector<std::int64_t>> Migrator::Up() {
  auto current = Version();
  if (!current) return std::move(current).error();
  std::vector<std::int64_t> applied;
  for (const EmbeddedMigration* m : mine_) {
    if (m->version <= *current) continue;
    auto tx = db_.Begin(true);
    if (!tx) return std::move(tx).error();
    // Re-check inside the write transaction: another process may have migrated meanwhile.
    auto seen = (*tx)->Query("SELECT 1 FROM schema_migrations WHERE version = $1", {Param(m->version)});
    if (!seen) return std::move(seen).error();
    if (!seen->empty()) continue;
    if (auto r = (*tx)->ExecScript(m->up); !r) {
      return Error{ErrorCode::kInternal, "migration " + std::to_string(m->version) + "_" + m->name +
                                             " failed: " + r.error().message};
    }
    auto rec = (*tx)->Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                           {Param(m->version), Param(m->name), Param(NowMicros())});
    if (!rec) return std::move(rec).error();
    if (auto c = (*tx)->Commit(); !c) return std::move(c).error();
    applied.push_back(m->version);
  }
  return applied;
}

Result<std::int64_t> Migrator::Down() {
  auto current = Version();
  if (!current) return std::move(current).error();
  if (*current == 0) return std::int64_t{0};
  const auto it = std::find_if(mine_.begin(), mine_.end(), [&](auto* m) { return m->version == *current; });
  if (it == mine_.end()) {
    return Error{ErrorCode::kInternal, "database is at version " + std::to_string(*current) +
                                           ", which this binary does not know; use a newer aurora"};
  }
  auto tx = db_.Begin(true);
  if (!tx) return std::move(tx).error();
  if (auto r = (*tx)->ExecScript((*it)->down); !r) return std::move(r).error();
  auto del = (*tx)->Exec("DELETE FROM schema_migrations WHERE version = $1", {Param(*current)});
  if (!del) return std::move(del).error();
  if (auto c = (*tx)->Commit(); !c) return std::move(c).error();
  return *current;
}

Result<std::vector<std::int64_t>> Migrator::DownAll() {
  std::vector<std::int64_t> reverted;
  while (true) {
    auto v = Down();
    if (!v) return std::move(v).error();
    if (*v == 0) return reverted;
    reverted.push_back(*v);
  }
}

Result<std::vector<std::string>> CreateMigrationFiles(const std::string& root, const std::string& name) {
  static const std::regex kName("^[a-z0-9_]{1,64}$");
  if (!std::regex_match(name, kName)) {
    return Error{ErrorCode::kInvalidArgument, "migration name must be 1-64 characters of [a-z0-9_]"};
  }
  namespace fs = std::filesystem;
  std::int64_t next = 1;
  for (const char* dialect : {"sqlite", "postgres"}) {
    const fs::path dir = fs::path(root) / dialect;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const std::string file = entry.path().filename().string();
      if (file.size() > 4 && std::isdigit(static_cast<unsigned char>(file[0]))) {
        next = std::max<std::int64_t>(next, std::stoll(file.substr(0, file.find('_'))) + 1);
      }
    }
  }
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "%04lld", static_cast<long long>(next));
  std::vector<std::string> created;
  for (const char* dialect : {"sqlite", "postgres"}) {
    const fs::path dir = fs::path(root) / dialect;
    std::error_code ec;
    fs::create_directories(dir, ec);
    for (const char* direction : {"up", "down"}) {
      const fs::path file = dir / (std::string(prefix) + "_" + name + "." + direction + ".sql");
      std::ofstream out(file);
      if (!out) return Error{ErrorCode::kUnavailable, "cannot write " + file.string()};
      out << "-- " << name << " (" << direction << "), " << dialect << " dialect\n";
      created.push_back(file.string());
    }
  }
  return created;
}

}  // namespace aurora::store
