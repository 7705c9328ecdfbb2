#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "aurora/attributes.hpp"
#include "aurora/evaluation.hpp"
#include "aurora/sdk/client_error.hpp"
#include "aurora/sdk/kv_store.hpp"
#include "aurora/sdk/transport.hpp"
#include "aurora/value.hpp"

namespace aurora {

/// Verbosity of the SDK's own log lines.
enum class LogLevel { kDebug, kInfo, kWarn, kError, kOff };

/// Called after every evaluation, synchronously on the evaluating thread, before
/// EvaluateParameter returns: keep it short and thread-safe. `value` is null and `error` set when
/// the evaluation failed; otherwise `error` is null. `value` and `attributes` are only valid
/// during the call. Exceptions it throws are caught and logged. Hooks must not call Stop or
/// destroy the client (Refresh, Status and evaluations are fine).
using OnEvaluate =
    std::function<void(Source source, std::string_view parameter, const Attributes& attributes,
                       const Value* value, const ClientError* error)>;

/// Called after a newer snapshot replaced the one in use (`old_revision` is 0 when there was
/// none), on one of the client's sync threads (the poller or the event-stream listener), one call
/// at a time and in increasing revision order. Keep it short: the next install waits for it.
/// Exceptions it throws are caught and logged.
using OnChange = std::function<void(std::int64_t old_revision, std::int64_t new_revision)>;

/// Receives the SDK's log lines (default: standard error). Called from any of the client's and
/// the application's threads, so it must be thread-safe.
using LogSink = std::function<void(LogLevel level, std::string_view message)>;

/// Receives experiment exposures: the first time a user is evaluated into an experiment.
/// Deduplicated per (user, experiment) over a bounded window (see
/// ClientOptions::exposure_dedup_capacity). Called synchronously on the evaluating thread, from any
/// thread: implementations must be thread-safe and fast (queue the event, do not send it from
/// here). The views are valid during the call only.
class ExposureSink {
 public:
  virtual ~ExposureSink() = default;
  /// `user_key` is the text of the experiment's hash attribute (as bucketing saw it).
  virtual void OnExposure(std::string_view user_key, std::int64_t experiment_id,
                          std::int64_t variant_id, std::string_view parameter) = 0;
};

/// Everything a Client is configured with. Fill the fields directly, or start from the first two
/// and add With... options. A plain value type.
struct ClientOptions {
  /// Base URL of aurora-server, e.g. "http://localhost:9999".
  std::string endpoint_url{};
  /// An `sdk` API key, sent as `Authorization: Bearer <key>` when not empty.
  std::string sdk_key{};

  /// S3 distribution. With `enable_s3`, every sync reads `<s3_prefix>snapshot.json` from the
  /// bucket first (a conditional GET) and asks the API only when S3 fails or is behind a revision
  /// the event stream announced; a revision never goes backwards. Credentials: the two keys, else
  /// the standard AWS_* environment variables, else anonymous; region: `s3_region`, else
  /// AWS_REGION / AWS_DEFAULT_REGION, else us-east-1. `s3_endpoint` (e.g. "http://127.0.0.1:4568")
  /// replaces AWS for S3-compatible servers, which usually need `s3_path_style`.
  std::string s3_bucket{};
  std::string s3_endpoint{};
  std::string s3_region{};
  std::string s3_access_key{};
  std::string s3_secret_key{};
  std::string s3_prefix{};
  bool s3_path_style = false;
  bool enable_s3 = false;

  /// How often the sync thread polls the server after a success.
  std::chrono::milliseconds refresh_rate{30'000};
  /// Skip the persistent cache entirely.
  bool in_memory_only = false;
  /// Directory of the persistent cache (created when missing). One client per directory per
  /// process.
  std::string path = "./aurora-cache";
  LogLevel log_level = LogLevel::kInfo;
  /// Where log lines go; empty: standard error.
  LogSink log_sink{};
  /// Listen to the server's event stream (/api/v1/sdk/stream) and sync as soon as a new revision
  /// is announced; polling continues as a fallback.
  bool streaming = true;
  /// Limit of one HTTP request, and how long Start waits for the first sync.
  std::chrono::milliseconds timeout{10'000};
  /// Retry delays after failed syncs: `backoff_initial` doubling up to `backoff_max`, with jitter.
  std::chrono::milliseconds backoff_initial{1'000};
  std::chrono::milliseconds backoff_max{60'000};
  /// A snapshot larger than this (after decompression) is refused.
  std::size_t max_snapshot_bytes = 16u << 20;
  /// How many (user, experiment) pairs the exposure deduplication remembers.
  std::size_t exposure_dedup_capacity = 10'000;

  OnEvaluate on_evaluate{};
  OnChange on_change{};
  std::shared_ptr<ExposureSink> exposure_sink{};

  /// HTTP implementation; null: libcurl.
  std::shared_ptr<Transport> transport{};
  /// Persistent store; null: LMDB in `path` (unless in_memory_only).
  std::shared_ptr<KvStore> kv_store{};
  /// The evaluation clock (experiment start and end dates); null: the system clock, read at
  /// millisecond resolution.
  std::function<std::chrono::system_clock::time_point()> clock{};
};

/// One change to ClientOptions, as the With... functions return it.
class ClientOption {
 public:
  explicit ClientOption(std::function<void(ClientOptions&)> apply) : apply_(std::move(apply)) {}
  void ApplyTo(ClientOptions& options) const { apply_(options); }

 private:
  std::function<void(ClientOptions&)> apply_;
};

/// Each With... option sets the ClientOptions field of the same name (documented there);
/// WithBackoff sets backoff_initial and backoff_max, WithMaxSnapshotSize max_snapshot_bytes.
ClientOption WithRefreshRate(std::chrono::milliseconds refresh_rate);
ClientOption WithInMemoryOnly(bool in_memory_only);
ClientOption WithPath(std::string path);
ClientOption WithLogLevel(LogLevel level);
ClientOption WithLogSink(LogSink sink);
ClientOption WithEnableS3(bool enable);
ClientOption WithOnEvaluate(OnEvaluate callback);
ClientOption WithOnChange(OnChange callback);
ClientOption WithExposureSink(std::shared_ptr<ExposureSink> sink);
ClientOption WithStreaming(bool streaming);
ClientOption WithTimeout(std::chrono::milliseconds timeout);
ClientOption WithBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max);
ClientOption WithMaxSnapshotSize(std::size_t bytes);
ClientOption WithTransport(std::shared_ptr<Transport> transport);
ClientOption WithKvStore(std::shared_ptr<KvStore> store);
ClientOption WithClock(std::function<std::chrono::system_clock::time_point()> clock);

}  // namespace aurora
