#pragma once

#include <mutex>

#include "aurora/sdk/transport.hpp"

namespace aurora::sdk {

/// The default Transport: libcurl (HTTP/1.1, HTTPS through OpenSSL), gzip decoded by curl, one
/// kept-alive connection for polls and one for the event stream. A requested stop interrupts a
/// transfer at once (curl_multi_wakeup), not at the next timeout.
/// Thread-safe: one Get at a time (they share the polling connection) and any number of Streams.
class CurlTransport final : public Transport {
 public:
  CurlTransport();
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<HttpResponse> Get(const HttpRequest& request, std::stop_token stop) override;
  Result<int> Stream(const HttpRequest& request,
                     const std::function<void(std::string_view)>& on_bytes,
                     std::stop_token stop) override;

 private:
  std::mutex get_mutex_;  // serializes Get, which reuses these handles
  void* get_easy_ = nullptr;
  void* get_multi_ = nullptr;
};

}  // namespace aurora::sdk
