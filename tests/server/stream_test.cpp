// GET /api/v1/sdk/stream against the real server: events, resume, restarts, replicas, slow
// consumers, idling, and the stream.* settings.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "server/api/stream.hpp"
#include "server/config/config.hpp"
#include "server/server_fixture.hpp"
#include "server/sse_client.hpp"

namespace aurora::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

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
  // CI idles 3 s; the soak sets AURORA_SOAK_SECONDS (600). A 200 ms heartbeat and a 1 s HTTP
  // idle timeout make even the short run outlast the idle timeout many times over and see
  // enough pings to tell whether the heartbeat runs at all.
  const char* env = std::getenv("AURORA_SOAK_SECONDS");
  const int seconds = std::max(3, env ? std::atoi(env) : 0);
  StartServer({{"STREAM_HEARTBEAT", "200ms"}, {"HTTP_IDLETIMEOUT", "1s"}});
  SseClient client(server().port());
  ASSERT_TRUE(client.WaitForRevision(0, 5s));
  const std::size_t idle_from = client.text().size();
  EXPECT_FALSE(client.WaitForClose(std::chrono::seconds(seconds))) << client.text();
  // One ping per 200 ms; half of them is enough on a loaded machine.
  const std::size_t expected = static_cast<std::size_t>(seconds) * 1000 / 200 / 2;
  EXPECT_GE(client.CommentLinesSince(idle_from), expected) << client.text().substr(idle_from);
  const auto revision = Write(1);
  EXPECT_TRUE(client.WaitForRevision(revision, 5s)) << client.text().substr(idle_from);
}

TEST_P(StreamTest, StreamsBeyondMaxConnectionsGet503WhileTheOthersStayOpen) {
  StartServer({{"STREAM_MAXCONNECTIONS", "2"}});
  auto first = std::make_unique<SseClient>(server().port());
  SseClient second(server().port());
  ASSERT_TRUE(first->WaitForRevision(0, 5s));
  ASSERT_TRUE(second.WaitForRevision(0, 5s));

  SseClient third(server().port());
  EXPECT_EQ(third.WaitForStatus(5s), 503) << third.text();
  EXPECT_TRUE(third.WaitForText("too many open streams", 5s)) << third.text();

  const auto revision = Write(1);
  EXPECT_TRUE(first->WaitForRevision(revision, 5s)) << first->text();
  EXPECT_TRUE(second.WaitForRevision(revision, 5s)) << second.text();

  // A stream that ends gives its place back (once the server noticed the disconnect).
  first.reset();
  int status = 0;
  for (const auto deadline = std::chrono::steady_clock::now() + 5s;
       status != 200 && std::chrono::steady_clock::now() < deadline;) {
    SseClient next(server().port());
    status = next.WaitForStatus(5s);
    if (status != 200) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(status, 200);
}

TEST_P(StreamTest, InlineSnapshotBytesZeroSendsRevisionsWithoutTheSnapshot) {
  StartServer({{"STREAM_INLINESNAPSHOTBYTES", "0"}});
  SseClient client(server().port());
  ASSERT_TRUE(client.WaitForRevision(0, 5s)) << client.text();
  EXPECT_EQ(client.Data(0), json({{"revision", 0}}));
  const auto revision = Write(1);
  ASSERT_TRUE(client.WaitForRevision(revision, 5s)) << client.text();
  EXPECT_EQ(client.Data(revision), json({{"revision", revision}}));
}

TEST_P(StreamTest, ASnapshotTooLargeForTheClientQueueGoesAsANotice) {
  // With the default inline limit (64 KiB) but a 1 KiB queue, inlining a 1 KiB+ snapshot would
  // get the client dropped at every revision; it gets the revision without the snapshot.
  StartServer({{"STREAM_MAXPENDINGBYTES", "1024"}});
  SseClient client(server().port());
  ASSERT_TRUE(client.WaitForRevision(0, 5s)) << client.text();
  EXPECT_TRUE(client.Data(0).contains("snapshot"));  // a small one still rides along
  std::int64_t revision = 0;
  for (int i = 1; server().Get("/api/v1/sdk/config").body.size() <= 1024; ++i) {
    ASSERT_LT(i, 100);
    revision = Write(i);
  }
  ASSERT_TRUE(client.WaitForRevision(revision, 5s)) << client.text();
  EXPECT_EQ(client.Data(revision), json({{"revision", revision}}));
  const auto next = Write(1000);
  EXPECT_TRUE(client.WaitForRevision(next, 5s)) << client.text();
}

// The configuration (a lower-level part) repeats the hub's defaults; they must not drift apart.
TEST(StreamOptionsTest, ConfigDefaultsAreTheHubDefaults) {
  const server::Config::Stream config;
  const server::api::StreamOptions options;
  EXPECT_EQ(static_cast<std::size_t>(config.max_connections), options.max_streams);
  EXPECT_EQ(config.heartbeat, options.heartbeat);
  EXPECT_EQ(config.inline_snapshot_bytes, options.inline_snapshot_bytes);
  EXPECT_EQ(config.max_pending_bytes, options.max_pending_bytes);
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
