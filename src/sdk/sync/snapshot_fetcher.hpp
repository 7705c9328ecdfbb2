#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

#include "aurora/sdk/client_error.hpp"
#include "aurora/sdk/transport.hpp"

#include "engine/compiled_snapshot.hpp"

namespace aurora::sdk {

struct FetchOptions {
  std::string endpoint_url;  // "http://host:9999", with or without a trailing slash
  std::string sdk_key;       // sent as a Bearer token when not empty
  std::chrono::milliseconds timeout{10'000};
  std::size_t max_bytes = 16u << 20;
};

/// The outcome of one conditional download of the snapshot.
struct FetchResult {
  enum class Status { kNotModified, kFetched, kFailed };
  Status status = Status::kFailed;
  std::shared_ptr<const engine::CompiledSnapshot> snapshot;  // kFetched: loaded and validated
  std::string etag;                                          // kFetched: to send back next time
  std::string json;   // kFetched: the document, for the cache
  ClientError error;  // kFailed
};

/// GET {endpoint}/api/v1/sdk/config with If-None-Match `etag` (when not empty), then loads the
/// body with engine::LoadSnapshot. A transport error, a status other than 200/304, an oversized
/// body or a document the engine refuses is kFailed with a kNetwork or kConfiguration error.
/// Does not compare revisions (the caller knows what it has).
FetchResult FetchSnapshot(Transport& transport, const FetchOptions& options, std::string_view etag,
                          std::stop_token stop);

/// Loads a downloaded document (`body`, from `source`, e.g. "GET http://…/config") with
/// engine::LoadSnapshot into a kFetched result carrying `etag` and the document; a body over
/// `max_bytes` (0: no limit) or a document the engine refuses gives kFailed with a kNetwork or
/// kConfiguration error naming `source`.
FetchResult LoadFetched(std::string body, std::string etag, const std::string& source,
                        std::size_t max_bytes);

/// The URL of `path` under `endpoint_url` ("http://h:1/" + "/api/..." → "http://h:1/api/...").
std::string JoinUrl(std::string_view endpoint_url, std::string_view path);

}  // namespace aurora::sdk
