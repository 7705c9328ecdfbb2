#pragma once

// A raw Server-Sent Events client for the server tests (stream, environments).

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "support/server_process.hpp"

namespace aurora::testing {

// A raw SSE client: reads the byte stream and splits events (chunked framing ignored: the
// events are found by their "id:" lines).
class SseClient {
 public:
  SseClient(std::uint16_t port, const std::string& extra_headers = "", const std::string& target = "/api/v1/sdk/stream") {
    fd_ = ConnectLoopback(port);
    if (fd_ < 0) return;
    const std::string request =
        "GET " + target + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n" + extra_headers + "\r\n";
    (void)send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
  }
  ~SseClient() {
    if (fd_ >= 0) close(fd_);
  }
  bool connected() const { return fd_ >= 0; }

  /// Waits until the bytes received contain `text`; false on timeout or close.
  bool WaitForText(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buffer_.find(text) == std::string::npos) {
      if (!Read(deadline)) return false;
    }
    return true;
  }
  /// Waits for the event with this revision; false on timeout or close.
  bool WaitForRevision(std::int64_t revision, std::chrono::milliseconds timeout) {
    return WaitForText("id: " + std::to_string(revision) + "\n", timeout);
  }
  /// The response's HTTP status, once its headers arrived; 0 on timeout or close.
  int WaitForStatus(std::chrono::milliseconds timeout) {
    if (!WaitForText("\r\n\r\n", timeout) || !buffer_.starts_with("HTTP/1.1 ")) return 0;
    return std::atoi(buffer_.c_str() + 9);
  }
  /// The data line of the event of `revision` (after WaitForRevision).
  nlohmann::json Data(std::int64_t revision) const {
    const auto at = buffer_.find("id: " + std::to_string(revision) + "\n");
    const auto data = buffer_.find("data: ", at);
    return nlohmann::json::parse(buffer_.substr(data + 6, buffer_.find('\n', data) - data - 6), nullptr, false);
  }
  /// True when the server closed the connection within `timeout`.
  bool WaitForClose(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (!Read(deadline)) return closed_;
    }
  }
  const std::string& text() const { return buffer_; }
  /// SSE comment lines (": ping") among the bytes received from offset `from` on.
  std::size_t CommentLinesSince(std::size_t from) const {
    std::size_t count = 0;
    for (std::size_t i = from; i < buffer_.size(); ++i) {
      if (buffer_[i] == ':' && (i == 0 || buffer_[i - 1] == '\n')) ++count;
    }
    return count;
  }

 private:
  bool Read(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || fd_ < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[65536];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  int fd_ = -1;
  bool closed_ = false;
  std::string buffer_;
};

}  // namespace aurora::testing
