// GET /api/v1/sdk/stream against the real server: events, resume, restarts, replicas, slow
// consumers, idling.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "server/server_fixture.hpp"

namespace aurora::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// A raw SSE client: reads the byte stream and splits events (chunked framing ignored: the
// events are found by their "id:" lines).
class SseClient {
 public:
  SseClient(std::uint16_t port, const std::string& extra_headers = "") {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(fd_);
      fd_ = -1;
      return;
    }
    const std::string request = "GET /api/v1/sdk/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n" +
                                extra_headers + "\r\n";
    (void)send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
  }
  ~SseClient() {
    if (fd_ >= 0) close(fd_);
  }
  bool connected() const { return fd_ >= 0; }

  /// Waits for the event with this revision; false on timeout or close.
  bool WaitForRevision(std::int64_t revision, std::chrono::milliseconds timeout) {
    const std::string marker = "id: " + std::to_string(revision) + "\n";
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buffer_.find(marker) == std::string::npos) {
      if (!Read(deadline)) return false;
    }
    return true;
  }
  /// The data line of the event of `revision` (after WaitForRevision).
  json Data(std::int64_t revision) const {
    const auto at = buffer_.find("id: " + std::to_string(revision) + "\n");
    const auto data = buffer_.find("data: ", at);
    return json::parse(buffer_.substr(data + 6, buffer_.find('\n', data) - data - 6), nullptr, false);
  }
  /// True when the server closed the connection within `timeout`.
  bool WaitForClose(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (!Read(deadline)) return closed_;
    }
  }
  const std::string& text() const { return buffer_; }

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

class StreamTest : public ServerTest {
 protected:
  std::int64_t Write(int i) {
    Create("attributes", {{"name", "attr" + std::to_string(i)}, {"dataType", "string"}});
    return Revision();
  }
};

TEST_P(StreamTest, SendsTheCurrentRevisionThenEveryNewOne) {
  SseClient client(server().port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.WaitForRevision(0, 5s)) << client.text();
  EXPECT_EQ(client.Data(0)["snapshot"]["revision"], 0);
  EXPECT_NE(client.text().find("text/event-stream"), std::string::npos);
  EXPECT_NE(client.text().find("X-Accel-Buffering: no"), std::string::npos);
  for (int i = 1; i <= 3; ++i) {
    const auto revision = Write(i);
    ASSERT_TRUE(client.WaitForRevision(revision, 5s)) << client.text();
    EXPECT_EQ(client.Data(revision)["snapshot"]["attributes"].size(), static_cast<std::size_t>(i));
  }
}

TEST_P(StreamTest, ResumingAtTheCurrentRevisionSkipsTheSnapshot) {
  const auto revision = Write(1);
  SseClient client(server().port(), "Last-Event-ID: " + std::to_string(revision) + "\r\n");
  ASSERT_TRUE(client.WaitForRevision(revision, 5s));
  EXPECT_FALSE(client.Data(revision).contains("snapshot"));
  SseClient stale(server().port(), "Last-Event-ID: 0\r\n");
  ASSERT_TRUE(stale.WaitForRevision(revision, 5s));
  EXPECT_TRUE(stale.Data(revision).contains("snapshot"));
}

TEST_P(StreamTest, AServerRestartEndsTheStreamAndANewOneResumes) {
  auto client = std::make_unique<SseClient>(server().port());
  ASSERT_TRUE(client->WaitForRevision(0, 5s));
  ASSERT_EQ(server().Stop(), 0);
  EXPECT_TRUE(client->WaitForClose(5s));
  StartServer();
  client = std::make_unique<SseClient>(server().port(), "Last-Event-ID: 0\r\n");
  const auto revision = Write(1);
  EXPECT_TRUE(client->WaitForRevision(revision, 5s)) << client->text();
}

TEST_P(StreamTest, AStuckConsumerDoesNotDelayTheOthers) {
  // A client that never reads: the server's writes to it back up in its own bounded queue.
  SseClient stuck(server().port());
  SseClient live(server().port());
  ASSERT_TRUE(live.WaitForRevision(0, 5s));
  for (int i = 1; i <= 5; ++i) {
    const auto revision = Write(i);
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(live.WaitForRevision(revision, 5s));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  }
}

TEST_P(StreamTest, IdleStreamsSurviveWithHeartbeats) {
  // CI runs this shortened (AURORA_SOAK_SECONDS, default 3); the soak runs it for 600.
  const char* env = std::getenv("AURORA_SOAK_SECONDS");
  const int seconds = env ? std::atoi(env) : 3;
  SseClient client(server().port());
  ASSERT_TRUE(client.WaitForRevision(0, 5s));
  EXPECT_FALSE(client.WaitForClose(std::chrono::seconds(seconds)));
  const auto revision = Write(1);
  EXPECT_TRUE(client.WaitForRevision(revision, 5s));
}

TEST_P(StreamTest, ProcessBSeesAWriteMadeThroughProcessA) {
  if (GetParam() != "postgres") GTEST_SKIP() << "replicas share a PostgreSQL database";
  auto env = db_.env;
  env["AUTH_ENABLED"] = "false";
  ServerProcess b(env);
  ASSERT_TRUE(b.Start()) << b.log();
  SseClient client(b.port());
  ASSERT_TRUE(client.WaitForRevision(0, 5s));
  const auto start = std::chrono::steady_clock::now();
  const auto revision = Write(1);  // through process A
  ASSERT_TRUE(client.WaitForRevision(revision, 5s)) << client.text();
  // LISTEN/NOTIFY, not the 1 s poll, should carry it.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 900ms);
}

AURORA_SERVER_TEST_SUITE(StreamTest);

}  // namespace
}  // namespace aurora::testing
