#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>

#include "aurora/attributes.hpp"
#include "aurora/sdk/client.hpp"
#include "aurora/sdk/kv_store.hpp"
#include "aurora/sdk/options.hpp"
#include "aurora/sdk/transport.hpp"

#include "engine/time.hpp"
#include "sdk/cache/snapshot_record.hpp"
#include "sdk/exposure_dedup.hpp"
#include "sdk/log.hpp"
#include "sdk/snapshot_holder.hpp"
#include "sdk/sync/poller.hpp"
#include "sdk/sync/s3_source.hpp"
#include "sdk/sync/snapshot_fetcher.hpp"
#include "sdk/sync/stream_listener.hpp"

namespace aurora::sdk {

/// What Client does (docs/sdk.md). Thread-safe: Evaluate from any thread, lock-free with respect
/// to the sync thread; Start, Stop, Refresh and Status from any thread.
///
/// Threads: the caller's (Start loads the cache), the poller's (downloads, validates, swaps,
/// persists) and the stream listener's (loads a snapshot carried inline by an event, else wakes
/// the poller); Accept serializes their installs. The snapshot is swapped in
/// SnapshotHolder; the rest of the sync state is guarded by state_mutex_.
class ClientImpl {
 public:
  explicit ClientImpl(ClientOptions options);
  ~ClientImpl();
  ClientImpl(const ClientImpl&) = delete;
  ClientImpl& operator=(const ClientImpl&) = delete;

  ClientStatus Start() noexcept;
  void Stop() noexcept;
  void Refresh() noexcept;
  ClientStatus Status() const noexcept;
  EvaluationResult Evaluate(std::string_view parameter,
                            const Attributes& attributes) const noexcept;

 private:
  void OpenCache();
  void LoadCache();
  bool SyncOnce(std::stop_token stop);
  /// Installs and persists a fetched snapshot newer than the one in use; an equal revision only
  /// refreshes the ETags, an older one is ignored (false: the source is behind).
  bool Accept(FetchResult fetched, SnapshotOrigin source);
  void Install(SnapshotHolder::Pointer snapshot, std::string etag, SnapshotOrigin origin);
  void Persist(const CachedSnapshot& snapshot);
  void RecordSuccess(SnapshotOrigin confirmed);
  void RecordFailure(const ClientError& error);
  void OnAnnouncedRevision(std::int64_t revision, std::string_view document);
  void Notify(const EvaluationResult& result, std::string_view parameter,
              const Attributes& attributes) const;
  void ReportExposure(const EvaluationResult& result, std::string_view parameter,
                      const Attributes& attributes) const;
  engine::Timestamp Now() const noexcept;

  const ClientOptions options_;
  mutable Logger logger_;
  ClientError config_error_;  // unusable options: Start does not sync
  std::shared_ptr<Transport> transport_;
  FetchOptions fetch_options_;
  std::unique_ptr<S3Source> s3_;  // with enable_s3: read before the API
  bool s3_failing_ = false;       // the poller's thread only
  // The newest revision the event stream announced: S3 alone does not satisfy a sync below it.
  std::atomic<std::int64_t> announced_revision_{0};
  std::string cache_key_;
  SnapshotHolder holder_;
  mutable ExposureDeduplicator exposures_;
  const bool has_hooks_;  // on_evaluate or exposure_sink set

  std::mutex accept_mutex_;  // serializes Accept (installs) between the two sync threads
  mutable std::mutex state_mutex_;  // guards etag_, origin_, last_error_, failing_
  std::string etag_;     // the API's, for If-None-Match
  std::string s3_etag_;  // the S3 object's
  SnapshotOrigin origin_ = SnapshotOrigin::kNone;
  ClientError last_error_;
  bool failing_ = false;

  std::mutex lifecycle_mutex_;         // serializes Start and Stop; guards the members below
  std::shared_ptr<KvStore> kv_store_;  // set by the first Start, before the sync thread runs
  bool cache_opened_ = false;
  bool running_ = false;
  std::unique_ptr<Poller> poller_;
  std::unique_ptr<StreamListener> stream_;
  // The poller, for Refresh and the stream listener without taking lifecycle_mutex_ (so a hook
  // may call Refresh). Set once by the first Start; the poller lives as long as this object.
  std::atomic<Poller*> poller_for_wake_{nullptr};
};

}  // namespace aurora::sdk
