#include <pqxx/pqxx>

#include <condition_variable>
#include <mutex>

#include "store/database.hpp"

namespace aurora::store {
namespace {

// Maps libpqxx's exceptions to Error values at this boundary; nothing above sees pqxx.
Error PgError(const std::exception& e, std::string_view what) {
  const std::string message = std::string(what) + ": " + e.what();
  if (dynamic_cast<const pqxx::integrity_constraint_violation*>(&e) != nullptr) {
    return Error{ErrorCode::kConflict, message};
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
      dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr) {
    return Error{ErrorCode::kUnavailable, message};
  }
  return Error{ErrorCode::kInternal, message};
}

class PostgresDatabase;

class PostgresTransaction final : public Transaction {
 public:
  PostgresTransaction(PostgresDatabase& owner, std::unique_ptr<pqxx::connection> conn)
      : owner_(owner), conn_(std::move(conn)), work_(std::make_unique<pqxx::work>(*conn_)) {}
  ~PostgresTransaction() override;

  Result<std::vector<Row>> Query(std::string_view sql, const std::vector<SqlParam>& params) override {
    try {
      const pqxx::result r = work_->exec_params(std::string(sql), pqxx::prepare::make_dynamic_params(params));
      std::vector<Row> rows;
      rows.reserve(r.size());
      for (const auto& pr : r) {
        Row row;
        row.columns.reserve(pr.size());
        for (const auto& field : pr) {
          if (field.is_null()) {
            row.columns.emplace_back(std::nullopt);
          } else {
            row.columns.emplace_back(std::string(field.c_str(), field.size()));
          }
        }
        rows.push_back(std::move(row));
      }
      return rows;
    } catch (const std::exception& e) {
      failed_ = true;
      return PgError(e, "query");
    }
  }

  Result<std::int64_t> Exec(std::string_view sql, const std::vector<SqlParam>& params) override {
    try {
      const pqxx::result r = work_->exec_params(std::string(sql), pqxx::prepare::make_dynamic_params(params));
      return static_cast<std::int64_t>(r.affected_rows());
    } catch (const std::exception& e) {
      failed_ = true;
      return PgError(e, "exec");
    }
  }

  Result<void> ExecScript(std::string_view sql) override {
    try {
      work_->exec(std::string(sql));
      return {};
    } catch (const std::exception& e) {
      failed_ = true;
      return PgError(e, "script");
    }
  }

  Result<void> Commit() override {
    try {
      work_->commit();
      return {};
    } catch (const std::exception& e) {
      failed_ = true;
      return PgError(e, "commit");
    }
  }

  Dialect dialect() const override { return Dialect::kPostgres; }

 private:
  PostgresDatabase& owner_;
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::work> work_;
  bool failed_ = false;
};

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(std::string dsn, int max_connections) : dsn_(std::move(dsn)), max_(max_connections) {}

  Result<std::unique_ptr<Transaction>> Begin(bool write) override {
    auto conn = Acquire();
    if (!conn) return std::move(conn).error();
    std::unique_ptr<Transaction> tx;
    try {
      tx = std::make_unique<PostgresTransaction>(*this, std::move(*conn));
    } catch (const std::exception& e) {
      Forget();
      return PgError(e, "begin");
    }
    if (!write) {
      // Reads see one snapshot of the database for their whole transaction, as SQLite's do.
      auto r = tx->ExecScript("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
      if (!r) return std::move(r).error();
    }
    return tx;
  }

  Dialect dialect() const override { return Dialect::kPostgres; }

  Result<void> Ping() override {
    auto tx = Begin(false);
    if (!tx) return std::move(tx).error();
    auto r = (*tx)->Query("SELECT 1", {});
    if (!r) return std::move(r).error();
    return {};
  }

  /// Returns a connection to the pool, or closes it when it broke.
  void Release(std::unique_ptr<pqxx::connection> conn) {
    std::lock_guard lock(mutex_);
    if (conn && conn->is_open()) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
    available_.notify_one();
  }

  void Forget() {
    std::lock_guard lock(mutex_);
    --open_;
    available_.notify_one();
  }

 private:
  Result<std::unique_ptr<pqxx::connection>> Acquire() {
    {
      std::unique_lock lock(mutex_);
      // Wait (bounded) for an idle connection when the pool is at its limit.
      if (!available_.wait_for(lock, std::chrono::seconds(10), [&] { return !idle_.empty() || open_ < max_; })) {
        return Error{ErrorCode::kUnavailable, "no PostgreSQL connection available within 10 s"};
      }
      if (!idle_.empty()) {
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        return conn;
      }
      ++open_;
    }
    try {
      return std::make_unique<pqxx::connection>(dsn_);
    } catch (const std::exception& e) {
      Forget();
      return Error{ErrorCode::kUnavailable, std::string("cannot connect to PostgreSQL: ") + e.what()};
    }
  }

  std::string dsn_;
  int max_;
  std::mutex mutex_;  // guards idle_ and open_
  std::condition_variable available_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  int open_ = 0;
};

PostgresTransaction::~PostgresTransaction() {
  try {
    work_.reset();  // aborts when not committed
  } catch (...) {
    failed_ = true;
  }
  if (failed_) {
    // A failed statement may have left the connection in doubt; do not reuse it.
    try {
      if (conn_ && conn_->is_open()) {
        pqxx::nontransaction check(*conn_);
        check.exec("SELECT 1");
      }
    } catch (...) {
      conn_.reset();
    }
  }
  owner_.Release(std::move(conn_));
}

}  // namespace

Result<std::unique_ptr<Database>> OpenPostgres(const std::string& dsn, int max_connections) {
  auto db = std::make_unique<PostgresDatabase>(dsn, max_connections < 1 ? 1 : max_connections);
  auto ping = db->Ping();
  if (!ping) return std::move(ping).error();
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace aurora::store
