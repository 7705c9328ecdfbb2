#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aurora::server::http::test {

/// A parsed HTTP response as the test client saw it.
struct HttpReply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// First header with this name (case-insensitive), or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
};

/// A tiny blocking HTTP/1.1 client over a plain POSIX socket, for tests only. Every read gives
/// up after `timeout`, so a misbehaving server fails the test instead of hanging it.
/// Not thread-safe, except that Shutdown may be called from another thread to unblock a Send.
class TestClient {
 public:
  explicit TestClient(std::uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return fd_ >= 0; }

  /// Sends all bytes; false on error (e.g. the server closed the connection).
  bool Send(std::string_view data);
  /// Reads one complete response (Content-Length, chunked, or until close). `head` means the
  /// response to a HEAD request, which has no body whatever its headers say.
  std::optional<HttpReply> ReadResponse(bool head = false);
  /// Reads only the status line and headers (for streams).
  std::optional<HttpReply> ReadHead();
  /// The next chunk of a chunked body; "" for the last chunk, nullopt on error or timeout.
  std::optional<std::string> ReadChunk();
  /// True when the server closes the connection (EOF or reset) within `within`, false when it
  /// sends data or stays open.
  bool WaitForClose(std::chrono::milliseconds within);
  /// shutdown(SHUT_RDWR): unblocks a Send or read in another thread.
  void Shutdown();
  void Close();

 private:
  bool Fill();  // appends at least one byte to buffer_; false on EOF, error or timeout
  std::optional<std::string> ReadLine();
  bool ReadExactly(std::size_t n, std::string& out);

  int fd_ = -1;
  std::string buffer_;
};

/// One request on a fresh connection with `Connection: close`; nullopt when anything failed.
std::optional<HttpReply> Fetch(std::uint16_t port, std::string_view method, std::string_view target,
                               std::string_view body = {},
                               std::vector<std::pair<std::string, std::string>> headers = {});

/// "GET /x HTTP/1.1\r\nHost: test\r\n...\r\n\r\n" with Content-Length when there is a body.
std::string BuildRequest(std::string_view method, std::string_view target,
                         std::string_view body = {},
                         const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace aurora::server::http::test
