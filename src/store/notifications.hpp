#pragma once

// Cross-process change notifications. On PostgreSQL, writers NOTIFY inside their transaction
// (delivered at commit) and every server process LISTENs, so a write through one process
// reaches the SDKs streaming from another within milliseconds. SQLite has no such channel:
// processes there rely on polling the revision.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "aurora/result.hpp"
#include "store/database.hpp"
#include "store/environments.hpp"

namespace aurora::store {

inline constexpr const char* kRevisionChannel = "aurora_revision";

/// Queues a notification of an environment's new revision on the revision channel (payload
/// "<environment>:<revision>"); sent when `tx` commits, dropped when it rolls back. A no-op on
/// SQLite.
Result<void> NotifyRevision(Transaction& tx, const EnvironmentRevision& changed);

/// Listens on the revision channel over its own connection and calls `on_revision` (on its
/// own thread) for every notification, with the revision it names (-1 when unreadable); reconnects with backoff when the connection drops.
/// Destroying it stops the thread. Thread-safe.
class RevisionListener {
 public:
  virtual ~RevisionListener() = default;
};

/// Starts listening on PostgreSQL at `dsn`.
Result<std::unique_ptr<RevisionListener>> ListenForRevisions(const std::string& dsn,
                                                             std::function<void(std::int64_t)> on_revision);

}  // namespace aurora::store
