#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aurora/result.hpp"

namespace aurora {

/// One HTTP GET as the SDK's sync threads issue it.
struct HttpRequest {
  std::string url;
  /// Extra request headers (If-None-Match, Authorization, Accept). The transport adds
  /// `Accept-Encoding: gzip` itself and hands back the decoded body.
  std::vector<std::pair<std::string, std::string>> headers;
  /// Whole-request limit; zero means none (streams).
  std::chrono::milliseconds timeout{0};
  /// Limit for establishing the connection.
  std::chrono::milliseconds connect_timeout{10'000};
  /// A transfer that receives no byte for this long fails; zero means no limit.
  std::chrono::milliseconds idle_timeout{0};
  /// A body (after decoding) longer than this fails the request; zero means no limit.
  std::size_t max_body_bytes = 0;
};

/// A complete HTTP answer. Header names are lower case.
struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// The first header called `lower_name`, or empty.
  std::string_view Header(std::string_view lower_name) const noexcept {
    for (const auto& [name, value] : headers) {
      if (name == lower_name) return value;
    }
    return {};
  }
};

/// How the SDK talks HTTP. The default is libcurl; tests and applications with their own
/// HTTP stack (proxies, mTLS) can pass another through WithTransport.
/// Thread-safe: Get and Stream are called concurrently from the client's two sync threads.
/// Implementations must return (not throw) and should give up promptly once `stop` is requested.
class Transport {
 public:
  virtual ~Transport() = default;

  /// Performs a GET and returns the whole response, whatever its status. An Error means no
  /// usable response: no connection, a timeout, a truncated or oversized body.
  virtual Result<HttpResponse> Get(const HttpRequest& request, std::stop_token stop) = 0;

  /// Opens a long-lived GET (Server-Sent Events) and passes each received chunk of a 2xx body to
  /// `on_bytes` as it arrives. Returns the HTTP status when the stream ends (the server closed
  /// it, or `stop`), or an Error when it could not be opened or broke. The default reports
  /// streaming as unsupported, and the client then relies on polling alone.
  virtual Result<int> Stream(const HttpRequest& request,
                             const std::function<void(std::string_view)>& on_bytes,
                             std::stop_token stop) {
    (void)request;
    (void)on_bytes;
    (void)stop;
    return Error{ErrorCode::kUnavailable, "this transport does not stream"};
  }
};

}  // namespace aurora
