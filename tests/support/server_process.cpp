#include "support/server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "store/database.hpp"

namespace aurora::testing {

int ConnectLoopback(std::uint16_t port, const std::string& source) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (!source.empty()) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    if (inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1 ||
        bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
      close(fd);
      return -1;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

namespace {

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string ReadUntilClose(int fd, std::chrono::milliseconds timeout) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Dechunk(const std::string& body) {
  std::string out;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const auto eol = body.find("\r\n", pos);
    if (eol == std::string::npos) break;
    const std::size_t size = std::stoul(body.substr(pos, eol - pos), nullptr, 16);
    if (size == 0) break;
    out += body.substr(eol + 2, size);
    pos = eol + 2 + size + 2;
  }
  return out;
}

std::atomic<int> g_counter{0};

}  // namespace

HttpResult Http(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body,
                const std::vector<std::pair<std::string, std::string>>& headers, std::chrono::milliseconds timeout) {
  return HttpFrom("", port, method, target, body, headers, timeout);
}

HttpResult HttpFrom(const std::string& source, std::uint16_t port, const std::string& method, const std::string& target,
                    const std::string& body, const std::vector<std::pair<std::string, std::string>>& headers,
                    std::chrono::milliseconds timeout) {
  HttpResult r;
  const int fd = ConnectLoopback(port, source);
  if (fd < 0) return r;
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    request += k + ": " + v + "\r\n";
    has_type = has_type || Lower(k) == "content-type";
  }
  if (!body.empty() && !has_type) request += "Content-Type: application/json\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n" + body;
  SendAll(fd, request);
  const std::string raw = ReadUntilClose(fd, timeout);
  close(fd);
  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.size() < 12) return r;
  r.status = std::atoi(raw.substr(9, 3).c_str());
  std::istringstream head(raw.substr(0, head_end));
  std::string line;
  std::getline(head, line);
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    r.headers[Lower(line.substr(0, colon))] = value;
  }
  r.body = raw.substr(head_end + 4);
  if (Lower(r.Header("transfer-encoding")) == "chunked") r.body = Dechunk(r.body);
  return r;
}

std::string RawExchange(std::uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout) {
  const int fd = ConnectLoopback(port);
  if (fd < 0) return {};
  SendAll(fd, bytes);
  std::string out = ReadUntilClose(fd, timeout);
  close(fd);
  return out;
}

CommandResult RunCommand(const std::string& shell_command) {
  CommandResult r;
  FILE* p = popen(shell_command.c_str(), "r");
  if (p == nullptr) return r;
  char buf[1024];
  while (fgets(buf, sizeof buf, p) != nullptr) r.out += buf;
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::uint16_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TestDatabase TestDatabase::Make(const std::string& driver) {
  TestDatabase db;
  db.driver = driver;
  std::random_device rd;
  db.dir = (std::filesystem::temp_directory_path() /
            ("aurora_test_" + std::to_string(getpid()) + "_" + std::to_string(g_counter++) + "_" + std::to_string(rd() % 100000)))
               .string();
  std::filesystem::create_directories(db.dir);
  if (driver == "sqlite") {
    db.env = {{"DATABASE_DRIVER", "sqlite"}, {"DATABASE_PATH", db.dir + "/aurora.db"}};
    return db;
  }
  const char* base = std::getenv("AURORA_TEST_POSTGRES_DSN");
  const std::string schema = "t" + std::to_string(getpid()) + "_" + std::to_string(g_counter++) + "_" + std::to_string(rd() % 100000);
  auto admin = store::OpenPostgres(base, 1);
  if (admin) {
    auto tx = (*admin)->Begin(true);
    if (tx) {
      (void)(*tx)->ExecScript("CREATE SCHEMA " + schema);
      (void)(*tx)->Commit();
    }
  }
  // libpq URL: options=-csearch_path=<schema> makes the schema the default for every object.
  std::string dsn = base;
  dsn += (dsn.find('?') == std::string::npos ? "?" : "&");
  dsn += "options=-csearch_path%3D" + schema;
  db.dsn = dsn;
  db.env = {{"DATABASE_DRIVER", "postgres"}, {"DATABASE_URL", dsn}};
  return db;
}

ServerProcess::ServerProcess(std::map<std::string, std::string> env) : env_(std::move(env)) {}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Stop();
}

bool ServerProcess::Start(std::chrono::milliseconds timeout) {
  // A fixed SERVICE_PORT (a restart on the same address) is kept; otherwise a free one.
  const auto fixed = env_.find("SERVICE_PORT");
  port_ = fixed != env_.end() ? static_cast<std::uint16_t>(std::stoi(fixed->second)) : FreePort();
  std::map<std::string, std::string> env = env_;
  env.emplace("SERVICE_PORT", std::to_string(port_));
  env.emplace("SERVICE_BIND", "127.0.0.1");
  env.emplace("LOGGING_LEVEL", "info");
  log_path_ = (std::filesystem::temp_directory_path() /
               ("aurora_server_" + std::to_string(getpid()) + "_" + std::to_string(g_counter++) + ".log"))
                  .string();
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  if (const char* path = std::getenv("PATH")) env_strings.push_back(std::string("PATH=") + path);
  if (const char* opts = std::getenv("ASAN_OPTIONS")) env_strings.push_back(std::string("ASAN_OPTIONS=") + opts);
  if (const char* opts = std::getenv("UBSAN_OPTIONS")) env_strings.push_back(std::string("UBSAN_OPTIONS=") + opts);
  if (const char* opts = std::getenv("TSAN_OPTIONS")) env_strings.push_back(std::string("TSAN_OPTIONS=") + opts);
  pid_ = fork();
  if (pid_ == 0) {
    const int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(log_fd, 2);
    dup2(log_fd, 1);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    const char* argv[] = {AURORA_SERVER_PATH, nullptr};
    execve(AURORA_SERVER_PATH, const_cast<char* const*>(argv), envp.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    // Ready when it answers and has said so: what it prints before that line (the first keys, the
    // setup link) is then in the log. /healthz alone could be another process on the same port.
    if (Http(port_, "GET", "/healthz", "", {}, std::chrono::milliseconds(500)).status == 200 &&
        log().find("listening on port") != std::string::npos) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  Kill();
  return false;
}

int ServerProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string ServerProcess::log() const {
  std::ifstream in(log_path_);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace aurora::testing
