#include "server/http/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <semaphore>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "server/http/router.hpp"
#include "server/http/test_client.hpp"

namespace aurora::server::http {
namespace {

using namespace std::chrono_literals;
using test::BuildRequest;
using test::Fetch;
using test::HttpReply;
using test::TestClient;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kInternalError =
    R"({"error":{"code":"internal","message":"internal error"}})";

Response Text(std::string body) {
  Response response;
  response.SetHeader("Content-Type", "text/plain");
  response.body = std::move(body);
  return response;
}

// Polls `condition` every few milliseconds for up to `within`.
template <class Condition>
bool Eventually(Condition condition, std::chrono::milliseconds within = 2s) {
  const auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

class HttpServerTest : public ::testing::Test {
 protected:
  // Starts a server on 127.0.0.1:0 that dispatches to router_ (or `handler` when given).
  void StartServer(HttpServerOptions options = {}, RequestHandler handler = nullptr) {
    options.log = [this](std::string_view line) {
      std::lock_guard lock(log_mutex_);
      log_.emplace_back(line);
    };
    if (!handler) handler = [this](const Request& request) { return router_.Dispatch(request); };
    server_ = std::make_unique<HttpServer>(std::move(options), std::move(handler));
    auto started = server_->Start();
    ASSERT_TRUE(started.has_value()) << started.error().message;
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }

  bool LogContains(std::string_view text) {
    std::lock_guard lock(log_mutex_);
    for (const auto& line : log_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

  std::mutex log_mutex_;
  std::vector<std::string> log_;
  Router router_;
  std::unique_ptr<HttpServer> server_;  // last: stopped before the log and router go
  std::uint16_t port_ = 0;
};

TEST_F(HttpServerTest, RoutesRequestsWithParamsAndAnswers404And405) {
  router_.Add("GET", "/api/v1/parameters/:id", [](const Request& request, const PathParams& p) {
    return Response::Json(200, R"({"id":")" + std::string(p.Get("id")) + R"(","limit":")" +
                                   std::string(request.Query("limit").value_or("")) + "\"}");
  });
  StartServer();

  auto found = Fetch(port_, "GET", "/api/v1/parameters/42?limit=7");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->status, 200);
  EXPECT_EQ(found->body, R"({"id":"42","limit":"7"})");
  EXPECT_EQ(found->Header("Content-Type"), "application/json");

  auto missing = Fetch(port_, "GET", "/x");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->body, R"({"error":{"code":"not_found","message":"no route for GET /x"}})");

  auto wrong_method = Fetch(port_, "DELETE", "/api/v1/parameters/42");
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->status, 405);
  EXPECT_EQ(wrong_method->Header("Allow"), "GET, HEAD");
}

TEST_F(HttpServerTest, ServesSeveralRequestsOnOneKeepAliveConnection) {
  router_.Add("POST", "/echo", [](const Request& request, const PathParams&) {
    return Text(request.body + "@" + request.remote);
  });
  StartServer();

  TestClient client(port_);
  ASSERT_TRUE(client.connected());
  std::string first_remote;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.Send(BuildRequest("POST", "/echo", "body" + std::to_string(i))));
    auto reply = client.ReadResponse();
    ASSERT_TRUE(reply) << "request " << i;
    EXPECT_EQ(reply->status, 200);
    const std::string body = reply->body;
    ASSERT_EQ(body.rfind("body" + std::to_string(i) + "@127.0.0.1:", 0), 0u) << body;
    if (i == 0) first_remote = body.substr(body.find('@'));
    EXPECT_EQ(body.substr(body.find('@')), first_remote) << "a new connection was used";
    EXPECT_EQ(reply->Header("Connection"), std::nullopt);
  }
}

TEST_F(HttpServerTest, AnswersPipelinedRequestsInOrder) {
  router_.Add("GET", "/n/:n", [](const Request&, const PathParams& params) {
    if (params.Get("n") == "1") std::this_thread::sleep_for(50ms);  // the slow one first
    return Text(std::string(params.Get("n")));
  });
  StartServer();

  TestClient client(port_);
  ASSERT_TRUE(client.Send(BuildRequest("GET", "/n/1") + BuildRequest("GET", "/n/2") +
                          BuildRequest("GET", "/n/3")));
  for (const char* expected : {"1", "2", "3"}) {
    auto reply = client.ReadResponse();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->body, expected);
  }
}

TEST_F(HttpServerTest, HonoursConnectionClose) {
  router_.Add("GET", "/a", [](const Request&, const PathParams&) { return Text("a"); });
  StartServer();

  TestClient client(port_);
  ASSERT_TRUE(client.Send(BuildRequest("GET", "/a", {}, {{"Connection", "close"}})));
  auto reply = client.ReadResponse();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "a");
  EXPECT_EQ(reply->Header("Connection"), "close");
  EXPECT_TRUE(client.WaitForClose(2s));
}

TEST_F(HttpServerTest, RejectsOversizedBodyWith413AndKeepsServing) {
  std::atomic<int> calls{0};
  router_.Add("POST", "/upload", [&](const Request&, const PathParams&) {
    ++calls;
    return Text("stored");
  });
  router_.Add("GET", "/ok", [](const Request&, const PathParams&) { return Text("ok"); });
  StartServer();

  const std::string big(2 << 20, 'x');  // 2 MiB against the default 1 MiB limit
  for (const bool chunked : {false, true}) {
    TestClient client(port_);
    std::string request;
    if (chunked) {
      request = "POST /upload HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n";
      for (std::size_t offset = 0; offset < big.size(); offset += 64 * 1024) {
        request += "10000\r\n" + big.substr(offset, 64 * 1024) + "\r\n";
      }
      request += "0\r\n\r\n";
    } else {
      request = BuildRequest("POST", "/upload", big);
    }
    // The server answers before the upload ends, so send from another thread while reading.
    std::thread sender([&] { client.Send(request); });
    auto reply = client.ReadResponse();
    client.Shutdown();
    sender.join();
    ASSERT_TRUE(reply) << (chunked ? "chunked" : "content-length");
    EXPECT_EQ(reply->status, 413);
    EXPECT_NE(reply->body.find(R"("code":"payload_too_large")"), std::string::npos);
    EXPECT_EQ(reply->Header("Connection"), "close");
  }
  EXPECT_EQ(calls.load(), 0);

  auto after = Fetch(port_, "GET", "/ok");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, "ok");
  // A body at the limit is fine.
  auto at_limit = Fetch(port_, "POST", "/upload", std::string(1 << 20, 'y'));
  ASSERT_TRUE(at_limit);
  EXPECT_EQ(at_limit->status, 200);
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(HttpServerTest, AnswersExpectContinue) {
  router_.Add("POST", "/echo",
              [](const Request& request, const PathParams&) { return Text(request.body); });
  HttpServerOptions options;
  options.max_body_bytes = 100;
  StartServer(options);

  TestClient client(port_);
  ASSERT_TRUE(
      client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                  "Content-Length: 5\r\n\r\n"));
  auto interim = client.ReadHead();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.Send("hello"));
  auto reply = client.ReadResponse();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "hello");

  // Too large: refused at once, without asking for the body.
  TestClient refused(port_);
  ASSERT_TRUE(
      refused.Send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                   "Content-Length: 101\r\n\r\n"));
  auto rejection = refused.ReadHead();
  ASSERT_TRUE(rejection);
  EXPECT_EQ(rejection->status, 413);
}

TEST_F(HttpServerTest, RejectsOversizedHeadersAndKeepsServing) {
  router_.Add("GET", "/ok", [](const Request&, const PathParams&) { return Text("ok"); });
  StartServer();

  auto reply = Fetch(port_, "GET", "/ok", {}, {{"X-Big", std::string(20 * 1024, 'h')}});
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 431);
  EXPECT_NE(reply->body.find("16384"), std::string::npos);

  auto long_line = Fetch(port_, "GET", "/ok?q=" + std::string(20 * 1024, 'q'));
  ASSERT_TRUE(long_line);
  EXPECT_EQ(long_line->status, 431);

  auto after = Fetch(port_, "GET", "/ok");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST_F(HttpServerTest, RejectsMalformedRequestsWith400) {
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send("NOT A REQUEST\r\n\r\n"));
  auto reply = client.ReadResponse();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 400);
  EXPECT_NE(reply->body.find(R"("code":"invalid_argument")"), std::string::npos);

  auto bad_escape = Fetch(port_, "GET", "/a%zz");
  ASSERT_TRUE(bad_escape);
  EXPECT_EQ(bad_escape->status, 400);
}

TEST_F(HttpServerTest, CutsOffSlowlorisClientWithoutStallingOthers) {
  router_.Add("GET", "/ok", [](const Request&, const PathParams&) { return Text("ok"); });
  HttpServerOptions options;
  options.header_timeout = 300ms;
  StartServer(options);

  TestClient slow(port_);
  const auto start = Clock::now();
  ASSERT_TRUE(slow.Send("GET /o"));
  // Meanwhile another client is served normally.
  auto other = Fetch(port_, "GET", "/ok");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->body, "ok");

  // Trickling one byte every 50 ms must not extend the deadline.
  bool closed = false;
  while (!closed && Clock::now() - start < 3s) {
    slow.Send("k");
    closed = slow.WaitForClose(50ms);
  }
  const auto elapsed = Clock::now() - start;
  EXPECT_TRUE(closed);
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 1500ms);

  // A silent new connection gets the same deadline.
  TestClient silent(port_);
  EXPECT_TRUE(silent.WaitForClose(2s));
}

TEST_F(HttpServerTest, ClosesIdleKeepAliveConnectionsAfterIdleTimeout) {
  router_.Add("GET", "/ok", [](const Request&, const PathParams&) { return Text("ok"); });
  HttpServerOptions options;
  options.idle_timeout = 200ms;
  StartServer(options);

  TestClient client(port_);
  ASSERT_TRUE(client.Send(BuildRequest("GET", "/ok")));
  ASSERT_TRUE(client.ReadResponse());
  const auto start = Clock::now();
  EXPECT_TRUE(client.WaitForClose(2s));
  EXPECT_GE(Clock::now() - start, 150ms);
}

TEST_F(HttpServerTest, HandlerExceptionBecomes500AndServerKeepsRunning) {
  router_.Add("GET", "/boom", [](const Request&, const PathParams&) -> Response {
    throw std::runtime_error("database exploded");
  });
  router_.Add("GET", "/weird", [](const Request&, const PathParams&) -> Response { throw 42; });
  router_.Add("GET", "/ok", [](const Request&, const PathParams&) { return Text("ok"); });
  StartServer();

  TestClient client(port_);
  for (const char* target : {"/boom", "/weird", "/ok"}) {
    ASSERT_TRUE(client.Send(BuildRequest("GET", target)));
    auto reply = client.ReadResponse();
    ASSERT_TRUE(reply) << target;
    if (std::string_view(target) == "/ok") {
      EXPECT_EQ(reply->status, 200);
    } else {
      EXPECT_EQ(reply->status, 500);
      EXPECT_EQ(reply->body, kInternalError);
    }
  }
  EXPECT_TRUE(LogContains("database exploded"));
  EXPECT_TRUE(LogContains("/weird"));
}

TEST_F(HttpServerTest, EchoesSaneRequestIdAndGeneratesOtherwise) {
  std::mutex mutex;
  std::vector<std::string> seen;
  router_.Add("GET", "/id", [&](const Request& request, const PathParams&) {
    std::lock_guard lock(mutex);
    seen.push_back(request.request_id);
    return Text(request.request_id);
  });
  StartServer();

  auto sane = Fetch(port_, "GET", "/id", {}, {{"X-Request-Id", "abc-123_X.y"}});
  ASSERT_TRUE(sane);
  EXPECT_EQ(sane->Header("X-Request-Id"), "abc-123_X.y");
  EXPECT_EQ(sane->body, "abc-123_X.y");

  for (const std::string& bad : {std::string("bad id!"), std::string(65, 'a'), std::string()}) {
    auto reply = Fetch(port_, "GET", "/id", {}, {{"X-Request-Id", bad}});
    ASSERT_TRUE(reply);
    const auto id = reply->Header("X-Request-Id");
    ASSERT_TRUE(id);
    EXPECT_NE(*id, bad);
    EXPECT_EQ(id->size(), 32u);
    EXPECT_EQ(reply->body, *id);
  }
  auto first = Fetch(port_, "GET", "/id");
  auto second = Fetch(port_, "GET", "/id");
  ASSERT_TRUE(first && second);
  EXPECT_NE(first->Header("X-Request-Id"), second->Header("X-Request-Id"));
  // Responses the transport makes itself carry one too.
  auto not_found = Fetch(port_, "GET", "/nothing-here");
  ASSERT_TRUE(not_found);
  EXPECT_TRUE(not_found->Header("X-Request-Id"));
}

TEST_F(HttpServerTest, AnswersHeadLikeGetWithoutBody) {
  std::atomic<int> heads{0};
  router_.Add("GET", "/hello", [&](const Request& request, const PathParams&) {
    if (request.method == "HEAD") ++heads;
    return Text("hello");
  });
  StartServer();

  TestClient client(port_);
  ASSERT_TRUE(client.Send(BuildRequest("HEAD", "/hello")));
  auto head = client.ReadResponse(/*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Length"), "5");
  EXPECT_EQ(head->body, "");
  // No stray body bytes: the next response on the connection parses cleanly.
  ASSERT_TRUE(client.Send(BuildRequest("GET", "/hello")));
  auto get = client.ReadResponse();
  ASSERT_TRUE(get);
  EXPECT_EQ(get->body, "hello");
  EXPECT_EQ(heads.load(), 1);
}

TEST_F(HttpServerTest, SlowHandlerDoesNotBlockTheIoThread) {
  std::binary_semaphore release{0};
  std::promise<void> slow_started;
  router_.Add("GET", "/slow", [&](const Request&, const PathParams&) {
    slow_started.set_value();
    release.acquire();
    return Text("slow");
  });
  router_.Add("GET", "/fast", [](const Request&, const PathParams&) { return Text("fast"); });
  HttpServerOptions options;
  options.io_threads = 1;
  options.worker_threads = 2;
  StartServer(options);

  TestClient slow(port_);
  ASSERT_TRUE(slow.Send(BuildRequest("GET", "/slow")));
  ASSERT_EQ(slow_started.get_future().wait_for(5s), std::future_status::ready);
  auto fast = Fetch(port_, "GET", "/fast");
  release.release();
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->body, "fast");
  auto slow_reply = slow.ReadResponse();
  ASSERT_TRUE(slow_reply);
  EXPECT_EQ(slow_reply->body, "slow");
}

TEST_F(HttpServerTest, StopLetsInFlightRequestFinishAndClosesIdleConnections) {
  std::promise<void> slow_started;
  router_.Add("GET", "/slow", [&](const Request&, const PathParams&) {
    slow_started.set_value();
    std::this_thread::sleep_for(300ms);
    return Text("done");
  });
  router_.Add("GET", "/ok", [](const Request&, const PathParams&) { return Text("ok"); });
  StartServer();

  TestClient idle(port_);
  ASSERT_TRUE(idle.Send(BuildRequest("GET", "/ok")));
  ASSERT_TRUE(idle.ReadResponse());

  TestClient busy(port_);
  ASSERT_TRUE(busy.Send(BuildRequest("GET", "/slow")));
  ASSERT_EQ(slow_started.get_future().wait_for(5s), std::future_status::ready);

  const auto start = Clock::now();
  std::thread stopper([&] { server_->Stop(); });
  EXPECT_TRUE(idle.WaitForClose(2s));
  auto reply = busy.ReadResponse();
  stopper.join();
  const auto elapsed = Clock::now() - start;
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "done");
  EXPECT_EQ(reply->Header("Connection"), "close");
  EXPECT_TRUE(busy.WaitForClose(2s));
  EXPECT_LT(elapsed, 5s);

  TestClient late(port_);
  EXPECT_FALSE(late.connected() && late.Send(BuildRequest("GET", "/ok")) && late.ReadResponse());
  server_->Stop();  // idempotent
}

TEST_F(HttpServerTest, StopClosesConnectionsStillBusyAfterShutdownTimeout) {
  std::promise<void> slow_started;
  router_.Add("GET", "/stuck", [&](const Request&, const PathParams&) {
    slow_started.set_value();
    std::this_thread::sleep_for(1500ms);
    return Text("too late");
  });
  HttpServerOptions options;
  options.shutdown_timeout = 100ms;
  StartServer(options);

  TestClient client(port_);
  ASSERT_TRUE(client.Send(BuildRequest("GET", "/stuck")));
  ASSERT_EQ(slow_started.get_future().wait_for(5s), std::future_status::ready);
  const auto start = Clock::now();
  std::thread stopper([&] { server_->Stop(); });
  EXPECT_TRUE(client.WaitForClose(2s));
  EXPECT_LT(Clock::now() - start, 1200ms);  // closed before the handler returned
  stopper.join();                           // Stop still waits for the handler itself
  EXPECT_TRUE(LogContains("still busy"));
}

TEST_F(HttpServerTest, ReportsEachRequestToOnRequestDone) {
  std::mutex mutex;
  std::vector<std::pair<std::string, int>> done;
  router_.Add("GET", "/ok", [](const Request&, const PathParams&) { return Text("ok"); });
  HttpServerOptions options;
  options.max_body_bytes = 10;
  options.on_request_done = [&](const Request& request, const Response& response,
                                std::chrono::nanoseconds duration) {
    std::lock_guard lock(mutex);
    EXPECT_GE(duration.count(), 0);
    EXPECT_FALSE(request.request_id.empty());
    done.emplace_back(request.method + " " + request.target + " " + response.body.substr(0, 2),
                      response.status);
  };
  StartServer(options);

  ASSERT_TRUE(Fetch(port_, "GET", "/ok"));
  ASSERT_TRUE(Fetch(port_, "GET", "/missing"));
  ASSERT_TRUE(Fetch(port_, "POST", "/ok", std::string(11, 'b')));
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(mutex);
    return done.size() == 3;
  }));
  std::lock_guard lock(mutex);
  std::sort(done.begin(), done.end());
  const std::vector<std::pair<std::string, int>> expected = {
      {"GET /missing {\"", 404}, {"GET /ok ok", 200}, {"POST /ok {\"", 413}};
  EXPECT_EQ(done, expected);
}

// A stream registry as the SSE endpoint will keep one: handlers add, the test publishes.
struct StreamHub {
  std::mutex mutex;
  std::vector<std::shared_ptr<EventStream>> streams;
  std::counting_semaphore<1024> opened{0};

  Response Open() {
    auto stream = std::make_shared<EventStream>();
    {
      std::lock_guard lock(mutex);
      streams.push_back(stream);
    }
    opened.release();
    return Response::Stream(stream);
  }
  std::shared_ptr<EventStream> At(std::size_t i) {
    std::lock_guard lock(mutex);
    return streams.at(i);
  }
};

TEST_F(HttpServerTest, StreamsChunksAsTheyArriveAndNoticesClientDisconnect) {
  StreamHub hub;
  router_.Add("GET", "/events", [&](const Request&, const PathParams&) { return hub.Open(); });
  StartServer();

  TestClient client(port_);
  ASSERT_TRUE(client.Send(BuildRequest("GET", "/events", {}, {{"X-Request-Id", "sse-1"}})));
  auto head = client.ReadHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Type"), "text/event-stream");
  EXPECT_EQ(head->Header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(head->Header("X-Request-Id"), "sse-1");
  ASSERT_TRUE(hub.opened.try_acquire_for(5s));
  const auto stream = hub.At(0);

  // Another thread publishes one event at a time; each must arrive before the next is sent,
  // so nothing is held back until the stream ends.
  std::binary_semaphore publish{0};
  std::thread producer([&] {
    for (int i = 0; i < 3; ++i) {
      publish.acquire();
      stream->Push("id: " + std::to_string(i) +
                   "\nevent: revision\ndata: {\"revision\": " + std::to_string(i) + "}\n\n");
    }
  });
  for (int i = 0; i < 3; ++i) {
    publish.release();
    auto chunk = client.ReadChunk();
    ASSERT_TRUE(chunk) << "event " << i;
    EXPECT_EQ(*chunk, "id: " + std::to_string(i) +
                          "\nevent: revision\ndata: {\"revision\": " + std::to_string(i) + "}\n\n");
  }
  producer.join();
  EXPECT_FALSE(stream->IsClosed());

  client.Close();
  EXPECT_TRUE(Eventually([&] { return stream->IsClosed(); }));
  EXPECT_FALSE(stream->Push("data: late\n\n"));
}

TEST_F(HttpServerTest, StreamEndsCleanlyWhenTheProducerCloses) {
  StreamHub hub;
  router_.Add("GET", "/events", [&](const Request&, const PathParams&) { return hub.Open(); });
  StartServer();

  TestClient client(port_);
  ASSERT_TRUE(client.Send(BuildRequest("GET", "/events")));
  ASSERT_TRUE(client.ReadHead());
  ASSERT_TRUE(hub.opened.try_acquire_for(5s));
  hub.At(0)->Push("data: last\n\n");
  hub.At(0)->Close();
  EXPECT_EQ(client.ReadChunk(), "data: last\n\n");
  EXPECT_EQ(client.ReadChunk(), "");  // the terminating chunk
  EXPECT_TRUE(client.WaitForClose(2s));
}

TEST_F(HttpServerTest, HoldsManyIdleStreamsOnOneIoThreadAndEndsThemOnStop) {
  constexpr int kStreams = 300;  // stays below a default descriptor limit of 1024
  StreamHub hub;
  router_.Add("GET", "/events", [&](const Request&, const PathParams&) { return hub.Open(); });
  HttpServerOptions options;
  options.io_threads = 1;
  options.worker_threads = 1;
  StartServer(options);

  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < kStreams; ++i) {
    clients.push_back(std::make_unique<TestClient>(port_));
    ASSERT_TRUE(clients.back()->Send(BuildRequest("GET", "/events")));
  }
  for (auto& client : clients) {
    auto head = client->ReadHead();
    ASSERT_TRUE(head);
    ASSERT_EQ(head->status, 200);
  }
  for (int i = 0; i < kStreams; ++i) ASSERT_TRUE(hub.At(i)->Push("data: hello\n\n"));
  for (auto& client : clients) ASSERT_EQ(client->ReadChunk(), "data: hello\n\n");

  const auto start = Clock::now();
  server_->Stop();
  EXPECT_LT(Clock::now() - start, 5s);
  for (auto& client : clients) {
    EXPECT_EQ(client->ReadChunk(), "");
    EXPECT_TRUE(client->WaitForClose(2s));
  }
  for (int i = 0; i < kStreams; ++i) EXPECT_TRUE(hub.At(i)->IsClosed());
}

TEST_F(HttpServerTest, ServesTwoHundredConcurrentConnections) {
  constexpr int kConnections = 200;
  router_.Add("GET", "/n/:n", [](const Request&, const PathParams& params) {
    return Text(std::string(params.Get("n")));
  });
  StartServer();

  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < kConnections; ++i) {
    clients.push_back(std::make_unique<TestClient>(port_));
    ASSERT_TRUE(clients.back()->connected());
  }
  // All connections are open at once; then each sends and reads, from several threads.
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kConnections; i += 4) {
        for (int round = 0; round < 2; ++round) {
          if (!clients[i]->Send(BuildRequest("GET", "/n/" + std::to_string(i)))) return;
          auto reply = clients[i]->ReadResponse();
          if (reply && reply->status == 200 && reply->body == std::to_string(i)) ++ok;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 2 * kConnections);
}

TEST_F(HttpServerTest, RefusesConnectionsBeyondMaxConnectionsWith503) {
  router_.Add("GET", "/ok", [](const Request&, const PathParams&) { return Text("ok"); });
  HttpServerOptions options;
  options.max_connections = 2;
  StartServer(options);

  TestClient first(port_);
  TestClient second(port_);
  for (TestClient* client : {&first, &second}) {
    ASSERT_TRUE(client->Send(BuildRequest("GET", "/ok")));
    ASSERT_TRUE(client->ReadResponse());
  }
  TestClient third(port_);
  auto refused = third.ReadResponse();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);

  first.Close();
  ASSERT_TRUE(Eventually([&] {
    auto reply = Fetch(port_, "GET", "/ok");
    return reply && reply->status == 200;
  }));
}

TEST_F(HttpServerTest, StartFailsNamingTheAddressWhenThePortIsTaken) {
  StartServer();
  HttpServerOptions options;
  options.port = port_;
  HttpServer second(options, [](const Request&) { return Response(); });
  auto started = second.Start();
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(started.error().message.find("127.0.0.1:" + std::to_string(port_)), std::string::npos)
      << started.error().message;
}

TEST_F(HttpServerTest, StartRejectsAnInvalidAddress) {
  HttpServerOptions options;
  options.address = "not-an-ip";
  HttpServer server(options, [](const Request&) { return Response(); });
  auto started = server.Start();
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(HttpServerTest, DestructorStopsARunningServer) {
  router_.Add("GET", "/ok", [](const Request&, const PathParams&) { return Text("ok"); });
  StartServer();
  TestClient idle(port_);
  ASSERT_TRUE(idle.Send(BuildRequest("GET", "/ok")));
  ASSERT_TRUE(idle.ReadResponse());
  server_.reset();
  EXPECT_TRUE(idle.WaitForClose(2s));
}

}  // namespace
}  // namespace aurora::server::http
