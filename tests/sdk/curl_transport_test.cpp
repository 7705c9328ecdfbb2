// CurlTransport and Client over real HTTP against a scripted local server: headers, gzip, 304,
// and hostile answers (garbage, truncation, 50 MB, gzip bombs, stalls) that must fail cleanly
// within the timeouts and never replace a good snapshot.

#include "sdk/sync/curl_transport.hpp"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <zlib.h>

#include "aurora/aurora.hpp"

#include "sdk/local_http_server.hpp"
#include "sdk/sdk_test_support.hpp"

namespace aurora::testing {
namespace {

using namespace std::chrono_literals;
using sdk::CurlTransport;

std::string Gzip(std::string_view text) {
  z_stream z{};
  deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

HttpRequest Request(const LocalHttpServer& server, std::chrono::milliseconds timeout = 2s) {
  HttpRequest r;
  r.url = server.url() + "/api/v1/sdk/config";
  r.timeout = timeout;
  r.connect_timeout = timeout;
  r.max_body_bytes = 1u << 20;
  return r;
}

TEST(CurlTransportTest, GetsStatusHeadersAndBodyAndSendsTheRequestHeaders) {
  LocalHttpServer server([](const LocalHttpServer::Request&, LocalHttpServer::Connection& c) {
    c.Respond(200, R"({"ok":true})", {{"ETag", "\"42\""}, {"Content-Type", "application/json"}});
  });
  CurlTransport transport;
  HttpRequest request = Request(server);
  request.headers = {{"If-None-Match", "\"41\""}, {"Authorization", "Bearer k"}};
  auto r = transport.Get(request, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"ok":true})");
  EXPECT_EQ(r->Header("etag"), "\"42\"");
  EXPECT_EQ(r->Header("content-type"), "application/json");
  const auto seen = server.last_request();
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.target, "/api/v1/sdk/config");
  EXPECT_EQ(seen.Header("if-none-match"), "\"41\"");
  EXPECT_EQ(seen.Header("authorization"), "Bearer k");
  EXPECT_NE(seen.Header("accept-encoding").find("gzip"), std::string::npos);
}

TEST(CurlTransportTest, DecodesGzipAndPasses304Through) {
  const std::string text = SnapshotJson(3);
  LocalHttpServer server([&](const LocalHttpServer::Request& r, LocalHttpServer::Connection& c) {
    if (r.Header("if-none-match") == "\"3\"") {
      c.Send("HTTP/1.1 304 Not Modified\r\nETag: \"3\"\r\nConnection: close\r\n\r\n");
      return;
    }
    c.Respond(200, Gzip(text), {{"Content-Encoding", "gzip"}, {"ETag", "\"3\""}});
  });
  CurlTransport transport;
  auto r = transport.Get(Request(server), {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, text);
  HttpRequest again = Request(server);
  again.headers = {{"If-None-Match", "\"3\""}};
  auto not_modified = transport.Get(again, {});
  ASSERT_TRUE(not_modified);
  EXPECT_EQ(not_modified->status, 304);
  EXPECT_TRUE(not_modified->body.empty());
}

TEST(CurlTransportTest, ARefusedConnectionFailsAtOnce) {
  std::uint16_t port;
  {
    LocalHttpServer server([](const LocalHttpServer::Request&, LocalHttpServer::Connection&) {});
    port = server.port();
  }
  CurlTransport transport;
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  request.timeout = 5s;
  const auto start = std::chrono::steady_clock::now();
  auto r = transport.Get(request, {});
  EXPECT_FALSE(r);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(CurlTransportTest, GarbageAndTruncatedAnswersAreErrors) {
  std::atomic<int> mode{0};
  LocalHttpServer server([&](const LocalHttpServer::Request&, LocalHttpServer::Connection& c) {
    switch (mode.load()) {
      case 0:
        c.Send("\x16\x03\x01 this is not HTTP at all\r\n\r\n");
        break;
      case 1:
        c.Send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"formatVersion\":1");
        break;
      case 2:
        c.Send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"formatVersion\"");
        break;
      case 3:
        c.Send(
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 20\r\n\r\nnot gzip, not "
            "at all");
        break;
      case 4:
        break;  // closes without a word
    }
  });
  CurlTransport transport;
  for (int m = 0; m <= 4; ++m) {
    mode = m;
    auto r = transport.Get(Request(server), {});
    EXPECT_FALSE(r) << "mode " << m << ": status " << (r ? r->status : 0);
  }
}

TEST(CurlTransportTest, BodiesOverTheLimitFailWhetherDeclaredStreamedOrCompressed) {
  const std::string huge(50u << 20, 'x');  // 50 MB
  std::atomic<int> mode{0};
  LocalHttpServer server([&](const LocalHttpServer::Request&, LocalHttpServer::Connection& c) {
    switch (mode.load()) {
      case 0:
        c.Respond(200, huge);
        break;  // declared in Content-Length
      case 1:   // no length: read until close
        c.Send("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        for (std::size_t i = 0;
             i < huge.size() && c.Send(std::string_view(huge).substr(i, 1 << 20)); i += 1 << 20) {
        }
        break;
      case 2: {  // 50 MB that compress to ~50 KB: a gzip bomb for a 1 MiB limit
        static const std::string bomb = Gzip(huge);
        c.Respond(200, bomb, {{"Content-Encoding", "gzip"}});
        break;
      }
    }
  });
  CurlTransport transport;
  for (int m = 0; m <= 2; ++m) {
    mode = m;
    const auto start = std::chrono::steady_clock::now();
    auto r = transport.Get(Request(server, 20s), {});
    ASSERT_FALSE(r) << "mode " << m;
    EXPECT_NE(r.error().message.find("larger than"), std::string::npos) << r.error().message;
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  }
}

TEST(CurlTransportTest, AStalledOrTricklingServerHitsTheTimeout) {
  std::atomic<int> mode{0};
  LocalHttpServer server([&](const LocalHttpServer::Request&, LocalHttpServer::Connection& c) {
    if (mode == 0) {
      c.Stall();  // accepts, then says nothing
    } else if (mode == 1) {
      c.Send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{");
      c.Stall();  // headers, then silence
    } else {
      c.Send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
      for (int i = 0; i < 1000 && !c.stopping() && c.Send(" "); ++i)
        std::this_thread::sleep_for(50ms);
    }
  });
  CurlTransport transport;
  for (int m = 0; m <= 2; ++m) {
    mode = m;
    const auto start = std::chrono::steady_clock::now();
    auto r = transport.Get(Request(server, 400ms), {});
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_FALSE(r) << "mode " << m;
    EXPECT_GE(took, 350ms) << "mode " << m;
    EXPECT_LT(took, 3s) << "mode " << m;
  }
}

TEST(CurlTransportTest, AStopRequestEndsAStalledTransferAtOnce) {
  LocalHttpServer server(
      [](const LocalHttpServer::Request&, LocalHttpServer::Connection& c) { c.Stall(); });
  CurlTransport transport;
  std::stop_source stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(200ms);
    stop.request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  auto r = transport.Get(Request(server, 30s), stop.get_token());
  stopper.join();
  EXPECT_FALSE(r);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST(CurlTransportTest, StreamsServerSentEventsAsTheyArrive) {
  LocalHttpServer server([](const LocalHttpServer::Request& r, LocalHttpServer::Connection& c) {
    if (r.target != "/api/v1/sdk/stream") {
      c.Respond(404, "{}");
      return;
    }
    c.Send("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
    c.Send("id: 1\nevent: revision\ndata: {\"revision\": 1}\n\n");
    std::this_thread::sleep_for(50ms);
    c.Send(": keep-alive\n\n");
    c.Send("id: 2\nevent: revision\ndata: {\"revision\": 2}\n\n");
    c.Stall();
  });
  CurlTransport transport;
  HttpRequest request;
  request.url = server.url() + "/api/v1/sdk/stream";
  std::mutex mutex;
  std::string received;
  std::stop_source stop;
  std::thread reader([&] {
    auto ended = transport.Stream(
        request,
        [&](std::string_view bytes) {
          std::lock_guard lock(mutex);
          received += bytes;
        },
        stop.get_token());
    EXPECT_FALSE(ended);  // stopped, not ended by the server
  });
  ASSERT_TRUE(WaitUntil([&] {
    std::lock_guard lock(mutex);
    return received.find("\"revision\": 2") != std::string::npos;
  }));
  const auto start = std::chrono::steady_clock::now();
  stop.request_stop();
  reader.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);

  HttpRequest missing;
  missing.url = server.url() + "/nope";
  auto status = transport.Stream(
      missing, [](std::string_view) { ADD_FAILURE() << "a 404 body is not an event"; }, {});
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 404);
}

// --- Client over HTTP ----------------------------------------------------------------------

TEST(ClientOverHttpTest, HostileAnswersAreIgnoredWithinTheTimeoutAndTheGoodSnapshotStays) {
  std::atomic<int> mode{0};
  const std::string good = SnapshotJson(2, "good");
  const std::string huge(50u << 20, ' ');
  LocalHttpServer server([&](const LocalHttpServer::Request& r, LocalHttpServer::Connection& c) {
    if (r.target == "/api/v1/sdk/stream") {
      c.Respond(404, "{}");
      return;
    }
    switch (mode.load()) {
      case 0:
        c.Respond(200, good, {{"ETag", "\"2\""}});
        break;
      case 1:
        c.Respond(200, "<html>502 Bad Gateway</html>");
        break;
      case 2:
        c.Send("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(good.size()) + "\r\n\r\n" +
               good.substr(0, 100));
        break;
      case 3:
        c.Respond(200, huge);
        break;
      case 4:
        c.Stall();
        break;
      case 5:
        c.Respond(200, SnapshotJson(1, "older"), {{"ETag", "\"1\""}});
        break;
      case 6:
        c.Send("garbage\r\n\r\n");
        break;
    }
  });
  LogCollector logs;
  Client client(ClientOptions{.endpoint_url = server.url()}, WithInMemoryOnly(true),
                WithRefreshRate(1h), WithTimeout(500ms), WithLogSink(logs.Sink()),
                WithBackoff(1h, 1h));
  ASSERT_TRUE(client.Start().ready) << logs.All();
  int requests = server.requests();
  for (int m = 1; m <= 6; ++m) {
    SCOPED_TRACE("mode " + std::to_string(m));
    mode = m;
    const auto start = std::chrono::steady_clock::now();
    client.Refresh();
    ASSERT_TRUE(WaitUntil([&] { return server.requests() > requests; }));
    requests = server.requests();
    // A failure or the "older revision" note shows the attempt is over.
    ASSERT_TRUE(WaitUntil(
        [&] {
          return m == 5 ? logs.Count("older than revision 2") > 0
                        : client.Status().error.kind() != ErrorKind::kNone;
        },
        5s));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    EXPECT_EQ(client.Status().revision, 2);
    EXPECT_EQ(client.EvaluateParameter("welcome_message").AsString(""), "good");
    mode = 0;  // a good answer in between resets the error
    client.Refresh();
    ASSERT_TRUE(WaitUntil([&] {
      return server.requests() > requests && client.Status().error.kind() == ErrorKind::kNone;
    }));
    requests = server.requests();
  }
}

}  // namespace
}  // namespace aurora::testing
