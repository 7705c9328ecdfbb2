#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "aurora/attributes.hpp"
#include "aurora/evaluation.hpp"
#include "aurora/sdk/client_error.hpp"
#include "aurora/sdk/options.hpp"
#include "aurora/value.hpp"

namespace aurora {

namespace engine {
struct CompiledSnapshot;
}
namespace sdk {
class ClientImpl;
}

/// The outcome of Client::EvaluateParameter. It keeps the snapshot it was evaluated against
/// alive, so the value, rule id and string views stay valid as long as the result (or a copy)
/// lives, even after the client moved on to a newer snapshot or was destroyed.
/// Copying is cheap (one reference count); a result may be read from any thread.
class EvaluationResult {
 public:
  /// A result with the kNotReady error.
  EvaluationResult() noexcept : error_(ErrorKind::kNotReady) {}

  bool HasError() const noexcept { return static_cast<bool>(error_); }
  /// The failure; kind() is ErrorKind::kNone on success.
  const ClientError& Error() const noexcept { return error_; }

  /// Typed access: the value when the evaluation succeeded and the value has that type,
  /// otherwise `fallback`. AsInt only takes integral numbers that fit in int64; AsFloat64 is
  /// AsDouble. AsString and AsJson copy (that is the only allocation of an evaluation); use
  /// StringView to read a string without copying.
  std::string AsString(std::string_view fallback) const;
  std::int64_t AsInt(std::int64_t fallback) const noexcept;
  double AsDouble(double fallback) const noexcept;
  double AsFloat64(double fallback) const noexcept { return AsDouble(fallback); }
  bool AsBool(bool fallback) const noexcept;
  /// The value as canonical JSON text (strings quoted), or `fallback` on error.
  std::string AsJson(std::string_view fallback) const;
  /// The string value without a copy, or `fallback`. Valid while this result lives.
  std::string_view StringView(std::string_view fallback = {}) const noexcept;

  /// The value, or null on error. Valid while this result lives.
  const ::aurora::Value* Value() const noexcept { return HasError() ? nullptr : evaluation_.value; }
  /// The parameter's declared type (kString on error).
  ::aurora::DataType DataType() const noexcept { return evaluation_.data_type; }
  /// Where the value came from: experiment, rule or default (kDefault on error).
  ::aurora::Source Source() const noexcept { return evaluation_.source; }
  /// Why: like Source, except kDisabled for a switched-off parameter.
  ::aurora::Reason Reason() const noexcept { return evaluation_.reason; }
  /// The rule that matched when Source() is kRule, else empty.
  std::string_view RuleId() const noexcept { return evaluation_.rule_id; }
  /// The experiment and variant when Source() is kExperiment, else 0.
  std::int64_t ExperimentId() const noexcept { return evaluation_.experiment_id; }
  std::int64_t VariantId() const noexcept { return evaluation_.variant_id; }
  /// The revision of the snapshot evaluated against; 0 when there was none.
  std::int64_t Revision() const noexcept;

  /// Error() when set; otherwise kTypeMismatch when the parameter is not of type `expected`;
  /// otherwise no error. For callers that want to tell "the flag is misconfigured" apart.
  ClientError CheckType(::aurora::DataType expected) const;

  /// The engine's view of the evaluation (borrowing from the snapshot this result keeps alive).
  const Evaluation& evaluation() const noexcept { return evaluation_; }

 private:
  friend class sdk::ClientImpl;
  EvaluationResult(std::shared_ptr<const engine::CompiledSnapshot> snapshot,
                   const Evaluation& evaluation) noexcept
      : snapshot_(std::move(snapshot)),
        evaluation_(evaluation),
        error_(evaluation.HasError() ? ErrorKind::kParameterNotFound : ErrorKind::kNone) {}

  std::shared_ptr<const engine::CompiledSnapshot> snapshot_;
  Evaluation evaluation_;
  ClientError error_;
};

/// Where the snapshot in use came from (kServer: aurora-server's API; kS3: the S3 bucket).
enum class SnapshotOrigin { kNone, kCache, kServer, kS3 };

/// What a client is doing, as Start and Status report it. A plain value type.
struct ClientStatus {
  /// A snapshot is loaded, so evaluations answer from it.
  bool ready = false;
  /// Revision of the snapshot in use; 0 when none.
  std::int64_t revision = 0;
  SnapshotOrigin origin = SnapshotOrigin::kNone;
  /// The last sync failure (kind kNone after a good sync); kNotReady before the first attempt.
  ClientError error;
};

/// The SDK entry point: evaluates parameters locally from an immutable snapshot that a
/// background thread keeps in sync with aurora-server, persisting the last good one.
///
///   aurora::Client client(aurora::ClientOptions{.endpoint_url = "http://localhost:9999"},
///                         aurora::WithRefreshRate(30s));
///   client.Start();
///   auto attrs = aurora::Attributes().SetString("user_id", "u1");
///   std::string message = client.EvaluateParameter("welcome_message", attrs).AsString("Hi");
///
/// Thread-safe: every method may be called from any thread. No method throws. Evaluations take
/// no lock the sync thread holds and allocate nothing (docs/sdk.md). The destructor stops the
/// client. Not copyable or movable (hold it in a std::unique_ptr to move it around).
class Client {
 public:
  /// Takes the options, then applies each With... option in order. Starts nothing.
  // clang-format off
  template <class... With>
    requires(std::convertible_to<With, ClientOption> && ...)
  explicit Client(ClientOptions options, With&&... with)
      : Client(Configure(std::move(options), {ClientOption(std::forward<With>(with))...}),
               Configured{}) {}
  // clang-format on
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Loads the persisted snapshot, starts the background sync and waits up to the timeout for its
  /// first attempt. Returns whether the client is ready and the last sync error. Calling it again
  /// while running returns the status; after Stop it starts syncing again.
  ClientStatus Start() noexcept;
  /// Stops the background sync and waits for it. Idempotent. Evaluations keep answering from
  /// the last snapshot.
  void Stop() noexcept;
  /// Asks the sync thread to poll now instead of at the next refresh. Returns immediately.
  void Refresh() noexcept;
  /// The current status.
  ClientStatus Status() const noexcept;

  /// Evaluates `parameter` for `attributes` (SPEC §3) against the current snapshot. Errors:
  /// kNotReady (no snapshot yet), kParameterNotFound. Calls the on_evaluate hook and the
  /// exposure sink on this thread before returning.
  EvaluationResult EvaluateParameter(std::string_view parameter,
                                     const Attributes& attributes) const noexcept;
  EvaluationResult EvaluateParameter(std::string_view parameter) const noexcept;

 private:
  struct Configured {};
  static ClientOptions Configure(ClientOptions options, std::initializer_list<ClientOption> with);
  Client(ClientOptions options, Configured);

  std::unique_ptr<sdk::ClientImpl> impl_;
};

/// The SDK version, "major.minor.patch".
const char* SdkVersion() noexcept;

}  // namespace aurora
