#pragma once

// A scripted Transport for SDK tests: serves a snapshot (honouring If-None-Match), fails, or runs
// any handler; records every request. Streams are scripted the same way (default: HTTP 404).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "aurora/sdk/transport.hpp"

namespace aurora::testing {

/// Thread-safe.
class FakeTransport final : public Transport {
 public:
  using Handler = std::function<Result<HttpResponse>(const HttpRequest&, std::stop_token)>;
  using StreamHandler = std::function<Result<int>(
      const HttpRequest&, const std::function<void(std::string_view)>&, std::stop_token)>;

  FakeTransport() { Fail("no snapshot configured"); }

  /// Answers 200 with `json` and ETag "<revision>" (or `etag`), and 304 when If-None-Match matches.
  void ServeSnapshot(std::string json, std::int64_t revision, std::string etag = {}) {
    if (etag.empty()) etag = "\"" + std::to_string(revision) + "\"";
    SetHandler([json = std::move(json), etag = std::move(etag)](
                   const HttpRequest& request, std::stop_token) -> Result<HttpResponse> {
      HttpResponse response;
      for (const auto& [name, value] : request.headers) {
        if (name == "If-None-Match" && value == etag) {
          response.status = 304;
          response.headers = {{"etag", etag}};
          return response;
        }
      }
      response.status = 200;
      response.headers = {{"etag", etag}, {"content-type", "application/json"}};
      response.body = json;
      return response;
    });
  }
  /// Answers `status` with `body` (no ETag).
  void Respond(int status, std::string body) {
    SetHandler([status, body = std::move(body)](const HttpRequest&,
                                                std::stop_token) -> Result<HttpResponse> {
      HttpResponse response;
      response.status = status;
      response.body = body;
      return response;
    });
  }
  /// Every GET hangs until the client stops it, then fails.
  void Hang() {
    SetHandler([](const HttpRequest&, std::stop_token stop) -> Result<HttpResponse> {
      std::mutex m;
      std::condition_variable_any cv;
      std::unique_lock lock(m);
      cv.wait(lock, stop, [] { return false; });
      return Error{ErrorCode::kUnavailable, "cancelled"};
    });
  }
  /// Every GET fails as if the server were unreachable.
  void Fail(std::string message) {
    SetHandler([message = std::move(message)](const HttpRequest&,
                                              std::stop_token) -> Result<HttpResponse> {
      return Error{ErrorCode::kUnavailable, message};
    });
  }
  void SetHandler(Handler handler) {
    std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
  }
  void SetStreamHandler(StreamHandler handler) {
    std::lock_guard lock(mutex_);
    stream_handler_ = std::move(handler);
  }

  Result<HttpResponse> Get(const HttpRequest& request, std::stop_token stop) override {
    Handler handler;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
      handler = handler_;
    }
    auto result = handler(request, std::move(stop));
    {
      std::lock_guard lock(mutex_);
      ++completed_;
    }
    cv_.notify_all();
    return result;
  }

  Result<int> Stream(const HttpRequest& request,
                     const std::function<void(std::string_view)>& on_bytes,
                     std::stop_token stop) override {
    StreamHandler handler;
    {
      std::lock_guard lock(mutex_);
      ++streams_;
      handler = stream_handler_;
    }
    if (!handler) return 404;
    return handler(request, on_bytes, std::move(stop));
  }

  /// Waits until `n` GETs have completed in total; false on timeout.
  bool WaitForGets(int n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return completed_ >= n; });
  }
  int gets() const {
    std::lock_guard lock(mutex_);
    return completed_;
  }
  int streams() const {
    std::lock_guard lock(mutex_);
    return streams_;
  }
  std::vector<HttpRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  /// The value of header `name` in the last request, or empty.
  std::string LastHeader(const std::string& name) const {
    std::lock_guard lock(mutex_);
    if (requests_.empty()) return {};
    for (const auto& [n, v] : requests_.back().headers) {
      if (n == name) return v;
    }
    return {};
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  Handler handler_;
  StreamHandler stream_handler_;
  std::vector<HttpRequest> requests_;
  int completed_ = 0;
  int streams_ = 0;
};

}  // namespace aurora::testing
