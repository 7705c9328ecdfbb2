#pragma once

// Runs the real aurora-server binary for HTTP-level tests, and a minimal HTTP client.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace aurora::testing {

struct HttpResult {
  int status = 0;  // 0: no answer (connection refused, timeout)
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string Header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

/// One request on a fresh connection (Connection: close); waits up to `timeout`.
HttpResult Http(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body = "",
                const std::vector<std::pair<std::string, std::string>>& headers = {},
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// The same from a given loopback source address (e.g. "127.0.0.2"), as another client would.
HttpResult HttpFrom(const std::string& source, std::uint16_t port, const std::string& method, const std::string& target,
                    const std::string& body = "", const std::vector<std::pair<std::string, std::string>>& headers = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// Sends raw bytes and returns whatever comes back until the server closes or `timeout`.
std::string RawExchange(std::uint16_t port, const std::string& bytes,
                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// A database for one test: a SQLite file in a fresh temp dir, or a fresh PostgreSQL schema
/// (when AURORA_TEST_POSTGRES_DSN is set) reached through search_path.
struct TestDatabase {
  std::string driver;  // "sqlite" or "postgres"
  std::string dir;     // temp dir of the test (also holds the SQLite file)
  std::map<std::string, std::string> env;  // DATABASE_* variables for the server
  static TestDatabase Make(const std::string& driver);
  /// The PostgreSQL DSN of the test schema (empty for SQLite).
  std::string dsn;
};

/// An aurora-server child process. Starts on a free port (or on SERVICE_PORT when `env` sets it),
/// stops with SIGTERM in the destructor.
class ServerProcess {
 public:
  explicit ServerProcess(std::map<std::string, std::string> env);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  /// Starts and waits until it serves /healthz and has printed "listening on port"; false (with
  /// log()) on failure.
  bool Start(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  /// SIGTERM and wait; the exit status (or -1).
  int Stop();
  /// SIGKILL and wait.
  void Kill();
  bool running() const { return pid_ > 0; }
  std::uint16_t port() const { return port_; }
  /// Everything the server wrote to stderr so far.
  std::string log() const;

  HttpResult Get(const std::string& target, const std::vector<std::pair<std::string, std::string>>& headers = {}) const {
    return Http(port_, "GET", target, "", headers);
  }
  HttpResult Post(const std::string& target, const std::string& body,
                  const std::vector<std::pair<std::string, std::string>>& headers = {}) const {
    return Http(port_, "POST", target, body, headers);
  }
  HttpResult Put(const std::string& target, const std::string& body,
                 const std::vector<std::pair<std::string, std::string>>& headers = {}) const {
    return Http(port_, "PUT", target, body, headers);
  }
  HttpResult Patch(const std::string& target, const std::string& body,
                   const std::vector<std::pair<std::string, std::string>>& headers = {}) const {
    return Http(port_, "PATCH", target, body, headers);
  }
  HttpResult Delete(const std::string& target) const { return Http(port_, "DELETE", target); }

 private:
  std::map<std::string, std::string> env_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string log_path_;
};

/// A TCP connection to 127.0.0.1:`port`, from `source` when given; the socket, or -1 when refused.
int ConnectLoopback(std::uint16_t port, const std::string& source = "");

/// A shell command's exit code and its output (stdout; add 2>&1 for stderr too).
struct CommandResult {
  int code = -1;
  std::string out;
};
CommandResult RunCommand(const std::string& shell_command);

/// A free TCP port on 127.0.0.1 (bound then released).
std::uint16_t FreePort();

}  // namespace aurora::testing
