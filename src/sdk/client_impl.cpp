#include "sdk/client_impl.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <utility>

#include <time.h>

#include "engine/bucketing.hpp"
#include "engine/evaluator.hpp"
#include "sdk/cache/lmdb_kv_store.hpp"
#include "sdk/sync/curl_transport.hpp"

namespace aurora::sdk {
namespace {

constexpr std::chrono::milliseconds kMinRefreshRate{10};
constexpr std::size_t kMaxCacheKey = 400;  // LMDB keys are at most 511 bytes

const char* OriginName(SnapshotOrigin origin) {
  switch (origin) {
    case SnapshotOrigin::kCache:
      return "the cache";
    case SnapshotOrigin::kServer:
      return "the server";
    case SnapshotOrigin::kS3:
      return "S3";
    case SnapshotOrigin::kNone:
      break;
  }
  return "nowhere";
}

ClientOptions Normalized(ClientOptions options) {
  options.refresh_rate = std::max(options.refresh_rate, kMinRefreshRate);
  if (options.timeout.count() <= 0) options.timeout = std::chrono::seconds(10);
  options.backoff_initial = std::max(options.backoff_initial, std::chrono::milliseconds(1));
  options.backoff_max = std::max(options.backoff_max, options.backoff_initial);
  return options;
}

}  // namespace

ClientImpl::ClientImpl(ClientOptions options)
    : options_(Normalized(std::move(options))),
      logger_(options_.log_level, options_.log_sink),
      exposures_(options_.exposure_dedup_capacity),
      has_hooks_(options_.on_evaluate || options_.exposure_sink),
      last_error_(ErrorKind::kNotReady, "the client has not been started") {
  transport_ = options_.transport;
  const std::string_view url = options_.endpoint_url;
  if (!transport_) {
    if (url.empty()) {
      config_error_ = ClientError(ErrorKind::kConfiguration, "endpoint_url is empty");
    } else if (!url.starts_with("http://") && !url.starts_with("https://")) {
      config_error_ = ClientError(ErrorKind::kConfiguration,
                                  "endpoint_url must start with http:// or https://");
    } else {
      transport_ = std::make_shared<CurlTransport>();
    }
  }
  if (options_.enable_s3) {
    if (options_.s3_bucket.empty()) {
      config_error_ = ClientError(ErrorKind::kConfiguration, "enable_s3 needs s3_bucket");
    } else if (!options_.s3_endpoint.empty() && !options_.s3_endpoint.starts_with("http://") &&
               !options_.s3_endpoint.starts_with("https://")) {
      config_error_ = ClientError(ErrorKind::kConfiguration,
                                  "s3_endpoint must start with http:// or https://");
    } else {
      s3_ = std::make_unique<S3Source>(options_);
    }
  }
  fetch_options_ = FetchOptions{options_.endpoint_url, options_.sdk_key, options_.timeout,
                                options_.max_snapshot_bytes};
  std::string endpoint(url);
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  // The key decides the environment (docs/environments.md): two keys of one endpoint never
  // read each other's snapshot. Only a hash of the key is stored.
  const std::string key_tag = "#key:" + Sha256Hex(options_.sdk_key).substr(0, 32);
  cache_key_ = endpoint.size() <= kMaxCacheKey ? "snapshot:" + endpoint + key_tag
                                               : "snapshot:sha256:" + Sha256Hex(endpoint) + key_tag;
}

ClientImpl::~ClientImpl() { Stop(); }

ClientStatus ClientImpl::Start() noexcept {
  try {
    Poller* poller = nullptr;
    {
      std::lock_guard lock(lifecycle_mutex_);
      if (running_) return Status();
      if (!cache_opened_) {
        cache_opened_ = true;
        OpenCache();
        LoadCache();
      }
      if (config_error_) {
        logger_.LogOnce(LogLevel::kError, "config",
                        "cannot sync: " + std::string(config_error_.message()));
        {
          std::lock_guard state(state_mutex_);
          last_error_ = config_error_;
        }
        return Status();
      }
      if (!poller_) {
        poller_ = std::make_unique<Poller>(
            SyncSchedule{options_.refresh_rate, options_.backoff_initial, options_.backoff_max},
            [this](std::stop_token stop) { return SyncOnce(std::move(stop)); });
        poller_for_wake_ = poller_.get();
      }
      if (options_.streaming && !stream_) {
        HttpRequest request;
        request.url = JoinUrl(options_.endpoint_url, "/api/v1/sdk/stream");
        request.headers.emplace_back("Accept", "text/event-stream");
        if (!options_.sdk_key.empty())
          request.headers.emplace_back("Authorization", "Bearer " + options_.sdk_key);
        request.connect_timeout = options_.timeout;
        // The server sends a comment every 15 s; three missed ones mean a dead connection.
        request.idle_timeout = std::chrono::seconds(45);
        request.max_body_bytes = 64u << 10;  // for error bodies; event bytes are not kept
        stream_ = std::make_unique<StreamListener>(
            *transport_, std::move(request),
            [this](std::int64_t revision, std::string_view document) {
              OnAnnouncedRevision(revision, document);
            },
            [this] { return holder_.Revision(); },
            SyncSchedule{options_.refresh_rate, options_.backoff_initial, options_.backoff_max},
            logger_);
      }
      poller_->Start();
      running_ = true;
      poller = poller_.get();  // lives as long as this object; Stop only stops it
    }
    // Outside the lock, so Stop from another thread is not held up by this wait.
    poller->WaitForFirstAttempt(options_.timeout + std::chrono::milliseconds(200));
    {
      // The stream opens after the first sync, so the first snapshot comes from the cache, S3
      // or the API in that order, and the stream's Last-Event-ID spares resending it.
      std::lock_guard lock(lifecycle_mutex_);
      if (running_ && stream_) stream_->Start();
    }
    return Status();
  } catch (const std::exception& e) {
    logger_.Log(LogLevel::kError, std::string("Start failed: ") + e.what());
  } catch (...) {
    logger_.Log(LogLevel::kError, "Start failed");
  }
  return Status();
}

void ClientImpl::Stop() noexcept {
  std::lock_guard lock(lifecycle_mutex_);
  if (!running_) return;
  if (stream_) stream_->Stop();
  if (poller_) poller_->Stop();
  running_ = false;
}

void ClientImpl::Refresh() noexcept {
  if (Poller* poller = poller_for_wake_.load()) poller->Wake();  // a no-op while stopped
}

ClientStatus ClientImpl::Status() const noexcept {
  ClientStatus status;
  const auto snapshot = holder_.Current();
  status.ready = snapshot != nullptr;
  status.revision = snapshot ? snapshot->revision : 0;
  std::lock_guard lock(state_mutex_);
  status.origin = origin_;
  try {
    status.error = last_error_;
  } catch (...) {
    status.error = ClientError(last_error_.kind());
  }
  return status;
}

void ClientImpl::OpenCache() {
  if (options_.in_memory_only) return;
  if (options_.kv_store) {
    kv_store_ = options_.kv_store;
    return;
  }
  const std::size_t map_size =
      std::max(LmdbKvStore::kDefaultMapSize, options_.max_snapshot_bytes * 8);
  auto store = LmdbKvStore::Open(options_.path, map_size);
  if (!store) {
    logger_.LogOnce(LogLevel::kWarn, "cache-open",
                    "snapshot cache disabled: " + store.error().message);
    return;
  }
  if (!(*store)->discarded_reason().empty()) {
    logger_.LogOnce(LogLevel::kWarn, "cache-corrupt",
                    "discarded a damaged snapshot cache in " + options_.path + ": " +
                        (*store)->discarded_reason());
  }
  kv_store_ = std::move(*store);
}

void ClientImpl::LoadCache() {
  if (!kv_store_) return;
  auto record = kv_store_->Get(cache_key_);
  if (!record) {
    logger_.LogOnce(LogLevel::kWarn, "cache-corrupt",
                    "ignoring the snapshot cache: " + record.error().message);
    return;
  }
  if (!*record) {
    logger_.Log(LogLevel::kDebug, "no cached snapshot for " + cache_key_);
    return;
  }
  auto cached = DecodeSnapshotRecord(**record);
  if (!cached) {
    logger_.LogOnce(LogLevel::kWarn, "cache-corrupt",
                    "ignoring a corrupt snapshot cache: " + cached.error().message);
    return;
  }
  auto snapshot = engine::LoadSnapshot(cached->json);
  if (!snapshot || (*snapshot)->revision != cached->revision) {
    logger_.LogOnce(LogLevel::kWarn, "cache-corrupt",
                    "ignoring a corrupt snapshot cache: " +
                        (snapshot ? std::string("revision does not match its header")
                                  : snapshot.error().ToString()));
    return;
  }
  if (holder_.Current() && holder_.Revision() >= (*snapshot)->revision) return;
  Install(std::move(*snapshot), std::move(cached->etag), SnapshotOrigin::kCache);
}

bool ClientImpl::SyncOnce(std::stop_token stop) {
  try {
    bool s3_ok = false;
    bool s3_vouched = false;
    if (s3_) {
      std::string etag;
      {
        std::lock_guard lock(state_mutex_);
        etag = s3_etag_;
      }
      FetchResult fetched = s3_->Fetch(etag, stop);
      if (stop.stop_requested()) return false;
      if (fetched.status == FetchResult::Status::kFailed) {
        logger_.Log(s3_failing_ ? LogLevel::kDebug : LogLevel::kWarn,
                    std::string(fetched.error.message()) + "; asking the API");
        s3_failing_ = true;
      } else {
        if (s3_failing_) logger_.Log(LogLevel::kInfo, "reading from S3 again");
        s3_failing_ = false;
        s3_ok = true;
        s3_vouched = Accept(std::move(fetched), SnapshotOrigin::kS3);
        // S3 is enough unless the event stream announced a revision it does not have yet.
        if (holder_.Revision() >= announced_revision_.load()) {
          RecordSuccess(s3_vouched ? SnapshotOrigin::kS3 : SnapshotOrigin::kNone);
          return true;
        }
      }
    }
    std::string etag;
    {
      std::lock_guard lock(state_mutex_);
      etag = etag_;
    }
    FetchResult fetched = FetchSnapshot(*transport_, fetch_options_, etag, stop);
    if (fetched.status == FetchResult::Status::kFailed) {
      if (stop.stop_requested()) return false;  // cancelled by Stop: not a failure worth reporting
      if (s3_ok) {  // S3 answered: the API being away is not a failed sync
        logger_.Log(LogLevel::kDebug, "S3 is behind the announced revision and the API failed: " +
                                          std::string(fetched.error.message()));
        RecordSuccess(s3_vouched ? SnapshotOrigin::kS3 : SnapshotOrigin::kNone);
        return true;
      }
      RecordFailure(fetched.error);
      return false;
    }
    const bool vouched = Accept(std::move(fetched), SnapshotOrigin::kServer);
    RecordSuccess(vouched ? SnapshotOrigin::kServer : SnapshotOrigin::kNone);
    return true;
  } catch (const std::exception& e) {
    RecordFailure(ClientError(ErrorKind::kNetwork, std::string("sync failed: ") + e.what()));
  } catch (...) {
    RecordFailure(ClientError(ErrorKind::kNetwork, "sync failed"));
  }
  return false;
}

bool ClientImpl::Accept(FetchResult fetched, SnapshotOrigin source) {
  if (fetched.status != FetchResult::Status::kFetched) return true;  // 304: nothing new
  // The poller and the stream listener both install: one at a time, so revisions only grow.
  std::lock_guard accepting(accept_mutex_);
  const auto current = holder_.Current();
  const std::int64_t revision = fetched.snapshot->revision;
  if (source == SnapshotOrigin::kS3) {
    // Remembered even for an object that is behind, so it is not downloaded again until it changes.
    std::lock_guard lock(state_mutex_);
    s3_etag_ = fetched.etag;
  }
  if (current && revision < current->revision) {
    logger_.LogOnce(LogLevel::kWarn,
                    std::string("older:") + OriginName(source) + std::to_string(revision),
                    std::string(OriginName(source)) + " sent revision " + std::to_string(revision) +
                        ", older than revision " + std::to_string(current->revision) +
                        " in use; keeping it");
    return false;
  }
  // The API's ETag is "<revision>" (SPEC §5): after a read from S3 the API is asked with the
  // revision in use, so an API that has nothing newer answers 304.
  const std::string api_etag = source == SnapshotOrigin::kS3
                                   ? "\"" + std::to_string(revision) + "\""
                                   : fetched.etag;
  {
    std::lock_guard lock(state_mutex_);
    if (current && revision == current->revision) {
      etag_ = api_etag;
      return true;
    }
  }
  Install(fetched.snapshot, api_etag, source);
  Persist(CachedSnapshot{revision, api_etag, std::move(fetched.json)});
  return true;
}

void ClientImpl::Install(SnapshotHolder::Pointer snapshot, std::string etag,
                         SnapshotOrigin origin) {
  const std::int64_t old_revision = holder_.Revision();
  const std::int64_t new_revision = snapshot->revision;
  holder_.Replace(std::move(snapshot));
  {
    std::lock_guard lock(state_mutex_);
    etag_ = std::move(etag);
    origin_ = origin;
  }
  logger_.Log(LogLevel::kInfo, "using snapshot revision " + std::to_string(new_revision) +
                                   " from " + OriginName(origin));
  if (options_.on_change) {
    try {
      options_.on_change(old_revision, new_revision);
    } catch (...) {
      logger_.LogOnce(LogLevel::kError, "on-change-threw",
                      "the on_change callback threw; its exceptions are ignored");
    }
  }
}

void ClientImpl::Persist(const CachedSnapshot& snapshot) {
  if (!kv_store_) return;
  Result<void> written = Error{ErrorCode::kInternal, "not written"};
  try {
    written = kv_store_->Put(cache_key_, EncodeSnapshotRecord(snapshot));
  } catch (const std::exception& e) {
    written = Error{ErrorCode::kInternal, e.what()};
  }
  if (!written) {
    logger_.LogOnce(LogLevel::kWarn, "cache-write",
                    "cannot write the snapshot cache: " + written.error().message);
  }
}

void ClientImpl::RecordSuccess(SnapshotOrigin confirmed) {
  std::lock_guard lock(state_mutex_);
  if (failing_) {
    logger_.Log(LogLevel::kInfo, "sync recovered");
    failing_ = false;
  }
  last_error_ = ClientError();
  // A 304 or an equal revision from a live source vouches for the cached snapshot in use.
  if (origin_ == SnapshotOrigin::kCache && confirmed != SnapshotOrigin::kNone) origin_ = confirmed;
}

void ClientImpl::RecordFailure(const ClientError& error) {
  const std::int64_t revision = holder_.Revision();
  std::lock_guard lock(state_mutex_);
  last_error_ = error;
  std::string message = "sync failed: " + std::string(error.message());
  message +=
      revision > 0 ? "; still using revision " + std::to_string(revision) : "; no snapshot yet";
  logger_.Log(failing_ ? LogLevel::kDebug : LogLevel::kWarn, message);
  failing_ = true;
}

void ClientImpl::OnAnnouncedRevision(std::int64_t revision, std::string_view document) {
  std::int64_t seen = announced_revision_.load();
  while (revision > seen && !announced_revision_.compare_exchange_weak(seen, revision)) {
  }
  if (revision <= holder_.Revision()) return;
  if (!document.empty()) {
    // The snapshot rode along: load it here instead of fetching it (no request per change).
    FetchResult loaded = LoadFetched(std::string(document), "\"" + std::to_string(revision) + "\"",
                                     "the event stream", options_.max_snapshot_bytes);
    if (loaded.status == FetchResult::Status::kFetched && loaded.snapshot->revision == revision) {
      Accept(std::move(loaded), SnapshotOrigin::kServer);
      if (holder_.Revision() >= revision) return;
    } else {
      logger_.LogOnce(LogLevel::kWarn, "inline-refused",
                      loaded.status == FetchResult::Status::kFetched
                          ? std::string("the event stream's inline snapshot has another revision "
                                        "than its event; fetching instead")
                          : std::string(loaded.error.message()) + "; fetching instead");
    }
  }
  if (Poller* poller = poller_for_wake_.load()) poller->Wake();
}

engine::Timestamp ClientImpl::Now() const noexcept {
  if (options_.clock) {
    return std::chrono::time_point_cast<std::chrono::microseconds>(options_.clock());
  }
  // The coarse clock is a few nanoseconds instead of ~20 for CLOCK_REALTIME, at a resolution of
  // a few milliseconds: plenty for experiment start and end dates.
  timespec ts{};
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return engine::Timestamp(std::chrono::microseconds(
      static_cast<std::int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1'000));
}

EvaluationResult ClientImpl::Evaluate(std::string_view parameter,
                                      const Attributes& attributes) const noexcept {
  SnapshotHolder::Acquired acquired = holder_.Acquire();
  // The raw pointer, because the shared_ptr may be moved into the result before Evaluate runs
  // (argument order is unspecified); the result keeps the snapshot alive either way.
  const engine::CompiledSnapshot* snapshot = acquired.snapshot.get();
  // Without dated experiments the time cannot matter: skip reading the clock.
  const engine::Timestamp now =
      snapshot != nullptr && acquired.needs_clock ? Now() : engine::Timestamp();
  // One result object built in place on either path (no copies: this is the hot path).
  EvaluationResult result =
      snapshot != nullptr
          ? EvaluationResult(std::move(acquired.snapshot),
                             engine::Evaluate(*snapshot, parameter, attributes, now))
          : EvaluationResult();  // kNotReady
  if (has_hooks_) Notify(result, parameter, attributes);
  return result;
}

void ClientImpl::Notify(const EvaluationResult& result, std::string_view parameter,
                        const Attributes& attributes) const {
  if (options_.on_evaluate) {
    try {
      options_.on_evaluate(result.Source(), parameter, attributes, result.Value(),
                           result.HasError() ? &result.Error() : nullptr);
    } catch (...) {
      logger_.LogOnce(LogLevel::kError, "on-evaluate-threw",
                      "the on_evaluate callback threw; its exceptions are ignored");
    }
  }
  if (options_.exposure_sink && !result.HasError() && result.Source() == Source::kExperiment) {
    ReportExposure(result, parameter, attributes);
  }
}

void ClientImpl::ReportExposure(const EvaluationResult& result, std::string_view parameter,
                                const Attributes& attributes) const {
  const engine::CompiledExperiment* experiment = nullptr;
  for (const auto& e : result.snapshot_->experiments) {
    if (e.id == result.ExperimentId()) {
      experiment = &e;
      break;
    }
  }
  if (experiment == nullptr) return;
  const engine::HashKey& key = experiment->variant_key;
  const AttributeValue* value = attributes.Find(key.attribute, key.attribute_hash);
  if (value == nullptr) return;
  // The user key is the hash attribute's text, exactly as bucketing read it (SPEC §3).
  char number[engine::kNumberTextMax];
  std::string_view user;
  switch (value->kind) {
    case AttributeValue::Kind::kString:
      user = value->string_value;
      break;
    case AttributeValue::Kind::kNumber:
      user = std::string_view(number, engine::FormatNumberForHash(value->number_value, number));
      break;
    case AttributeValue::Kind::kBool:
      user = value->bool_value ? "true" : "false";
      break;
    case AttributeValue::Kind::kOther:
      return;
  }
  if (!exposures_.FirstTime(user, experiment->id)) return;
  try {
    options_.exposure_sink->OnExposure(user, experiment->id, result.VariantId(), parameter);
  } catch (...) {
    logger_.LogOnce(LogLevel::kError, "exposure-threw",
                    "the exposure sink threw; its exceptions are ignored");
  }
}

}  // namespace aurora::sdk
