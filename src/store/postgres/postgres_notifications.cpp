#include <pqxx/pqxx>

#include <atomic>
#include <chrono>
#include <thread>

#include "store/notifications.hpp"

namespace aurora::store {
namespace {

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& conn, std::function<void(std::int64_t)>& on_revision)
      : pqxx::notification_receiver(conn, kRevisionChannel), on_revision_(on_revision) {}
  void operator()(const std::string& payload, int /*backend_pid*/) override {
    try {
      // "<environment>:<revision>"
      const auto colon = payload.rfind(':');
      on_revision_(std::stoll(colon == std::string::npos ? payload : payload.substr(colon + 1)));
    } catch (const std::exception&) {
      on_revision_(-1);  // unreadable payload: still a change; the listener refreshes
    }
  }

 private:
  std::function<void(std::int64_t)>& on_revision_;
};

class PostgresRevisionListener final : public RevisionListener {
 public:
  PostgresRevisionListener(std::string dsn, std::function<void(std::int64_t)> on_revision)
      : dsn_(std::move(dsn)), on_revision_(std::move(on_revision)) {
    thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
  }

 private:
  void Run(std::stop_token stop) {
    auto backoff = std::chrono::milliseconds(100);
    while (!stop.stop_requested()) {
      try {
        pqxx::connection conn(dsn_);
        Receiver receiver(conn, on_revision_);
        backoff = std::chrono::milliseconds(100);
        on_revision_(-1);  // (re)connected: changes may have been missed meanwhile
        while (!stop.stop_requested()) conn.await_notification(0, 200'000);  // wake to check stop
      } catch (const std::exception&) {
        // Connection lost or refused: retry with capped exponential backoff; polling of the
        // revision covers the gap.
        for (auto waited = std::chrono::milliseconds(0); waited < backoff && !stop.stop_requested();
             waited += std::chrono::milliseconds(50)) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      }
    }
  }

  std::string dsn_;
  std::function<void(std::int64_t)> on_revision_;
  std::jthread thread_;
};

}  // namespace

Result<void> NotifyRevision(Transaction& tx, const EnvironmentRevision& changed) {
  if (tx.dialect() != Dialect::kPostgres) return {};
  auto r = tx.Query(std::string("SELECT pg_notify('") + kRevisionChannel + "', $1)",
                    {Param(changed.environment + ":" + std::to_string(changed.revision))});
  if (!r) return std::move(r).error();
  return {};
}

Result<std::unique_ptr<RevisionListener>> ListenForRevisions(const std::string& dsn,
                                                             std::function<void(std::int64_t)> on_revision) {
  return std::unique_ptr<RevisionListener>(std::make_unique<PostgresRevisionListener>(dsn, std::move(on_revision)));
}

}  // namespace aurora::store
