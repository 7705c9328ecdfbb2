#include "server/http/test_client.hpp"

#include <cerrno>
#include <cstdlib>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "server/http/message.hpp"

namespace aurora::server::http::test {

std::optional<std::string> HttpReply::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

TestClient::TestClient(std::uint16_t port, std::chrono::milliseconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) Close();
}

TestClient::~TestClient() { Close(); }

void TestClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void TestClient::Shutdown() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

bool TestClient::Send(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool TestClient::Fill() {
  if (fd_ < 0) return false;
  char chunk[16 * 1024];
  for (;;) {
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
}

std::optional<std::string> TestClient::ReadLine() {
  for (;;) {
    if (const std::size_t end = buffer_.find("\r\n"); end != std::string::npos) {
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      return line;
    }
    if (!Fill()) return std::nullopt;
  }
}

bool TestClient::ReadExactly(std::size_t n, std::string& out) {
  while (buffer_.size() < n) {
    if (!Fill()) return false;
  }
  out.append(buffer_, 0, n);
  buffer_.erase(0, n);
  return true;
}

std::optional<HttpReply> TestClient::ReadHead() {
  auto status_line = ReadLine();
  // "HTTP/1.1 200 OK"
  if (!status_line || status_line->size() < 12 || status_line->rfind("HTTP/1.", 0) != 0) {
    return std::nullopt;
  }
  HttpReply reply;
  reply.status = std::atoi(status_line->c_str() + 9);
  for (;;) {
    auto line = ReadLine();
    if (!line) return std::nullopt;
    if (line->empty()) break;
    const std::size_t colon = line->find(':');
    if (colon == std::string::npos) return std::nullopt;
    std::string value = line->substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    reply.headers.emplace_back(line->substr(0, colon), std::move(value));
  }
  return reply;
}

std::optional<std::string> TestClient::ReadChunk() {
  auto size_line = ReadLine();
  if (!size_line) return std::nullopt;
  char* end = nullptr;
  const unsigned long size = std::strtoul(size_line->c_str(), &end, 16);
  if (end == size_line->c_str()) return std::nullopt;
  if (size == 0) {
    for (;;) {  // trailers up to the empty line
      auto line = ReadLine();
      if (!line) return std::nullopt;
      if (line->empty()) return std::string();
    }
  }
  std::string data;
  if (!ReadExactly(size, data)) return std::nullopt;
  auto crlf = ReadLine();
  if (!crlf || !crlf->empty()) return std::nullopt;
  return data;
}

std::optional<HttpReply> TestClient::ReadResponse(bool head) {
  auto reply = ReadHead();
  while (reply && reply->status == 100) reply = ReadHead();  // interim "100 Continue"
  if (!reply) return std::nullopt;
  if (head || reply->status == 204 || reply->status == 304) return reply;
  const auto encoding = reply->Header("Transfer-Encoding");
  if (encoding && EqualsIgnoreCase(*encoding, "chunked")) {
    for (;;) {
      auto chunk = ReadChunk();
      if (!chunk) return std::nullopt;
      if (chunk->empty()) return reply;
      reply->body += *chunk;
    }
  }
  if (const auto length = reply->Header("Content-Length")) {
    if (!ReadExactly(std::strtoull(length->c_str(), nullptr, 10), reply->body)) {
      return std::nullopt;
    }
    return reply;
  }
  while (Fill()) {
  }
  reply->body = std::move(buffer_);
  buffer_.clear();
  return reply;
}

bool TestClient::WaitForClose(std::chrono::milliseconds within) {
  if (fd_ < 0) return true;
  if (!buffer_.empty()) return false;
  pollfd descriptor{fd_, POLLIN, 0};
  const int ready = ::poll(&descriptor, 1, static_cast<int>(within.count()));
  if (ready <= 0) return false;
  char byte;
  const ssize_t n = ::recv(fd_, &byte, 1, 0);
  if (n == 0) return true;
  if (n < 0) return errno == ECONNRESET || errno == EPIPE;
  buffer_.push_back(byte);
  return false;
}

std::string BuildRequest(std::string_view method, std::string_view target, std::string_view body,
                         const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string request;
  request.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: test\r\n");
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  if (!body.empty()) request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n";
  request.append(body);
  return request;
}

std::optional<HttpReply> Fetch(std::uint16_t port, std::string_view method, std::string_view target,
                               std::string_view body,
                               std::vector<std::pair<std::string, std::string>> headers) {
  TestClient client(port);
  if (!client.connected()) return std::nullopt;
  headers.emplace_back("Connection", "close");
  if (!client.Send(BuildRequest(method, target, body, headers))) return std::nullopt;
  return client.ReadResponse(method == "HEAD");
}

}  // namespace aurora::server::http::test
