#pragma once

// A tiny HTTP/1.1 server on 127.0.0.1 for transport and integration tests. Each connection
// reads one request head and hands it to the handler, which writes whatever bytes it likes
// (garbage, a truncated body, 50 MB, nothing at all for a while) and then the connection
// closes. One thread per connection; the destructor closes everything and joins.

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace aurora::testing {

class LocalHttpServer {
 public:
  struct Request {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string Header(const std::string& name) const {
      const auto it = headers.find(name);
      return it == headers.end() ? std::string() : it->second;
    }
  };

  /// The connection as the handler sees it.
  class Connection {
   public:
    Connection(int fd, const std::atomic<bool>& stopping) : fd_(fd), stopping_(stopping) {}
    /// Sends all of `bytes`; false once the peer is gone.
    bool Send(std::string_view bytes) {
      while (!bytes.empty()) {
        const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
      }
      return true;
    }
    /// A complete response with Content-Length and Connection: close.
    bool Respond(int status, std::string_view body,
                 const std::vector<std::pair<std::string, std::string>>& headers = {}) {
      std::string head = "HTTP/1.1 " + std::to_string(status) + " Status\r\nConnection: close\r\n";
      for (const auto& [name, value] : headers) head += name + ": " + value + "\r\n";
      head += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
      return Send(head) && Send(body);
    }
    /// Sends nothing until the peer hangs up, the server stops, or `limit` passes.
    void Stall(std::chrono::milliseconds limit = std::chrono::seconds(30)) {
      const auto deadline = std::chrono::steady_clock::now() + limit;
      while (!stopping_ && std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 20) > 0) {
          char c;
          if (recv(fd_, &c, 1, MSG_PEEK) <= 0) return;  // closed by the client
        }
      }
    }
    bool stopping() const { return stopping_; }

   private:
    int fd_;
    const std::atomic<bool>& stopping_;
  };

  using Handler = std::function<void(const Request&, Connection&)>;

  explicit LocalHttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(listen_fd_, 64);
    acceptor_ = std::thread([this] { Accept(); });
  }

  ~LocalHttpServer() {
    stopping_ = true;
    acceptor_.join();
    close(listen_fd_);
    std::vector<std::thread> connections;
    {
      std::lock_guard lock(mutex_);
      connections.swap(connections_);
    }
    for (auto& t : connections) t.join();
  }
  LocalHttpServer(const LocalHttpServer&) = delete;
  LocalHttpServer& operator=(const LocalHttpServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }
  Request last_request() const {
    std::lock_guard lock(mutex_);
    return last_;
  }

 private:
  void Accept() {
    while (!stopping_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      const int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      std::lock_guard lock(mutex_);
      connections_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    std::string head;
    char buffer[4096];
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536 && !stopping_) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      head.append(buffer, static_cast<std::size_t>(n));
    }
    Request request;
    const auto line_end = head.find("\r\n");
    const std::string first = head.substr(0, line_end);
    const auto space1 = first.find(' ');
    const auto space2 = first.find(' ', space1 + 1);
    if (space1 != std::string::npos && space2 != std::string::npos) {
      request.method = first.substr(0, space1);
      request.target = first.substr(space1 + 1, space2 - space1 - 1);
    }
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      const auto end = head.find("\r\n", pos);
      if (end == std::string::npos || end == pos) break;
      const std::string line = head.substr(pos, end - pos);
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        request.headers[name] = value;
      }
      pos = end + 2;
    }
    {
      std::lock_guard lock(mutex_);
      last_ = request;
    }
    ++requests_;
    Connection connection(fd, stopping_);
    handler_(request, connection);
    shutdown(fd, SHUT_RDWR);
    close(fd);
  }

  Handler handler_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  mutable std::mutex mutex_;  // guards connections_ and last_
  std::vector<std::thread> connections_;
  Request last_;
  std::thread acceptor_;
};

}  // namespace aurora::testing
