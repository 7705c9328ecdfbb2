// The public surface of the SDK: Client forwards to ClientImpl; EvaluationResult, ClientError and
// the option functions are small enough to live here.

#include "aurora/sdk/client.hpp"

#include <utility>

#include "engine/compiled_snapshot.hpp"
#include "sdk/client_impl.hpp"

#ifndef AURORA_SDK_VERSION
#define AURORA_SDK_VERSION "0.0.0"
#endif

namespace aurora {

const char* SdkVersion() noexcept { return AURORA_SDK_VERSION; }

const char* ErrorKindName(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kNone:
      return "none";
    case ErrorKind::kParameterNotFound:
      return "parameter_not_found";
    case ErrorKind::kNetwork:
      return "network";
    case ErrorKind::kConfiguration:
      return "configuration";
    case ErrorKind::kTypeMismatch:
      return "type_mismatch";
    case ErrorKind::kNotReady:
      return "not_ready";
  }
  return "unknown";
}

std::string_view ClientError::message() const noexcept {
  if (!detail_.empty()) return detail_;
  switch (kind_) {
    case ErrorKind::kNone:
      return "no error";
    case ErrorKind::kParameterNotFound:
      return "parameter not found";
    case ErrorKind::kNetwork:
      return "the server could not be reached";
    case ErrorKind::kConfiguration:
      return "the client or the snapshot is misconfigured";
    case ErrorKind::kTypeMismatch:
      return "the value is not of the requested type";
    case ErrorKind::kNotReady:
      return "no snapshot yet";
  }
  return "unknown error";
}

// --- EvaluationResult --------------------------------------------------------------------

std::string EvaluationResult::AsString(std::string_view fallback) const {
  if (HasError() || evaluation_.value->kind() != Value::Kind::kString) return std::string(fallback);
  return std::string(evaluation_.value->StringView());
}

std::int64_t EvaluationResult::AsInt(std::int64_t fallback) const noexcept {
  return HasError() ? fallback : evaluation_.value->AsInt(fallback);
}

double EvaluationResult::AsDouble(double fallback) const noexcept {
  return HasError() ? fallback : evaluation_.value->AsDouble(fallback);
}

bool EvaluationResult::AsBool(bool fallback) const noexcept {
  return HasError() ? fallback : evaluation_.value->AsBool(fallback);
}

std::string EvaluationResult::AsJson(std::string_view fallback) const {
  return HasError() ? std::string(fallback) : evaluation_.value->Json();
}

std::string_view EvaluationResult::StringView(std::string_view fallback) const noexcept {
  if (HasError() || evaluation_.value->kind() != Value::Kind::kString) return fallback;
  return evaluation_.value->StringView();
}

std::int64_t EvaluationResult::Revision() const noexcept {
  return snapshot_ ? snapshot_->revision : 0;
}

ClientError EvaluationResult::CheckType(::aurora::DataType expected) const {
  if (HasError()) return error_;
  if (evaluation_.data_type != expected) {
    return ClientError(ErrorKind::kTypeMismatch, std::string("the parameter is of type ") +
                                                     DataTypeName(evaluation_.data_type) +
                                                     ", not " + DataTypeName(expected));
  }
  return ClientError();
}

// --- Client ---------------------------------------------------------------------------------

ClientOptions Client::Configure(ClientOptions options, std::initializer_list<ClientOption> with) {
  for (const ClientOption& option : with) option.ApplyTo(options);
  return options;
}

Client::Client(ClientOptions options, Configured)
    : impl_(std::make_unique<sdk::ClientImpl>(std::move(options))) {}

Client::~Client() { impl_->Stop(); }

ClientStatus Client::Start() noexcept { return impl_->Start(); }
void Client::Stop() noexcept { impl_->Stop(); }
void Client::Refresh() noexcept { impl_->Refresh(); }
ClientStatus Client::Status() const noexcept { return impl_->Status(); }

EvaluationResult Client::EvaluateParameter(std::string_view parameter,
                                           const Attributes& attributes) const noexcept {
  return impl_->Evaluate(parameter, attributes);
}

EvaluationResult Client::EvaluateParameter(std::string_view parameter) const noexcept {
  static const Attributes kNone;
  return impl_->Evaluate(parameter, kNone);
}

// --- Options ----------------------------------------------------------------------------------

ClientOption WithRefreshRate(std::chrono::milliseconds refresh_rate) {
  return ClientOption([=](ClientOptions& o) { o.refresh_rate = refresh_rate; });
}
ClientOption WithInMemoryOnly(bool in_memory_only) {
  return ClientOption([=](ClientOptions& o) { o.in_memory_only = in_memory_only; });
}
ClientOption WithPath(std::string path) {
  return ClientOption([path = std::move(path)](ClientOptions& o) { o.path = path; });
}
ClientOption WithLogLevel(LogLevel level) {
  return ClientOption([=](ClientOptions& o) { o.log_level = level; });
}
ClientOption WithLogSink(LogSink sink) {
  return ClientOption([sink = std::move(sink)](ClientOptions& o) { o.log_sink = sink; });
}
ClientOption WithEnableS3(bool enable) {
  return ClientOption([=](ClientOptions& o) { o.enable_s3 = enable; });
}
ClientOption WithOnEvaluate(OnEvaluate callback) {
  return ClientOption(
      [callback = std::move(callback)](ClientOptions& o) { o.on_evaluate = callback; });
}
ClientOption WithOnChange(OnChange callback) {
  return ClientOption(
      [callback = std::move(callback)](ClientOptions& o) { o.on_change = callback; });
}
ClientOption WithExposureSink(std::shared_ptr<ExposureSink> sink) {
  return ClientOption([sink = std::move(sink)](ClientOptions& o) { o.exposure_sink = sink; });
}
ClientOption WithStreaming(bool streaming) {
  return ClientOption([=](ClientOptions& o) { o.streaming = streaming; });
}
ClientOption WithTimeout(std::chrono::milliseconds timeout) {
  return ClientOption([=](ClientOptions& o) { o.timeout = timeout; });
}
ClientOption WithBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max) {
  return ClientOption([=](ClientOptions& o) {
    o.backoff_initial = initial;
    o.backoff_max = max;
  });
}
ClientOption WithMaxSnapshotSize(std::size_t bytes) {
  return ClientOption([=](ClientOptions& o) { o.max_snapshot_bytes = bytes; });
}
ClientOption WithTransport(std::shared_ptr<Transport> transport) {
  return ClientOption(
      [transport = std::move(transport)](ClientOptions& o) { o.transport = transport; });
}
ClientOption WithKvStore(std::shared_ptr<KvStore> store) {
  return ClientOption([store = std::move(store)](ClientOptions& o) { o.kv_store = store; });
}
ClientOption WithClock(std::function<std::chrono::system_clock::time_point()> clock) {
  return ClientOption([clock = std::move(clock)](ClientOptions& o) { o.clock = clock; });
}

}  // namespace aurora
