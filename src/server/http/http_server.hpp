#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "aurora/result.hpp"

#include "server/http/message.hpp"

namespace aurora::server::http {

/// Answers one request. Runs on the worker pool, possibly on several threads at once, and may
/// block (database calls). An exception becomes a 500 `internal` response and a log line. The
/// handler may annotate the request (Request::actor) before routing it.
using RequestHandler = std::function<Response(Request&)>;

/// Called on an I/O thread after a response was written (for a stream: after it ended), also
/// for the 400, 413 and 431 responses the transport makes itself. Must be quick and thread-safe.
using RequestDoneCallback =
    std::function<void(const Request&, const Response&, std::chrono::nanoseconds)>;

/// Where the transport writes its log lines (handler exceptions, accept failures). Thread-safe.
using LogSink = std::function<void(std::string_view line)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1";  ///< IPv4 or IPv6 literal to bind
  std::uint16_t port = 0;             ///< 0 picks a free port; see HttpServer::port()
  int io_threads = 2;                 ///< threads running sockets, parsing and writing
  int worker_threads = 4;             ///< threads running (possibly blocking) handlers
  std::size_t max_body_bytes = std::size_t{1} << 20;     ///< larger → 413 payload_too_large
  std::size_t max_header_bytes = std::size_t{16} << 10;  ///< request line + headers; → 431
  /// Beyond this new connections get a 503 and are closed. Each connection holds a file
  /// descriptor, so the process's descriptor limit (`ulimit -n`) must be higher.
  std::size_t max_connections = 10'000;
  /// From a request's first byte until its headers are complete (slowloris guard). Also how
  /// long a new connection may stay silent.
  std::chrono::milliseconds header_timeout = std::chrono::seconds(10);
  /// Reading a request's body, all of it.
  std::chrono::milliseconds body_timeout = std::chrono::seconds(30);
  /// How long a keep-alive connection may wait for its next request.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  /// Writing one response, or one chunk of a stream, to a client that does not read.
  std::chrono::milliseconds write_timeout = std::chrono::seconds(30);
  /// How long Stop() lets in-flight requests finish before closing their connections.
  std::chrono::milliseconds shutdown_timeout = std::chrono::seconds(10);
  RequestDoneCallback on_request_done;  ///< optional
  /// Optional: when it returns true for a request, its handler runs on the I/O thread itself,
  /// saving two thread hops. Only for handlers that never block (in-memory answers).
  std::function<bool(const Request&)> run_inline;
  LogSink log;                          ///< optional; stderr when empty
};

/// Thread-safe: Start, Stop and port may be called from any thread (not from a handler).
/// An HTTP/1.1 server: keep-alive, sequential pipelining, request limits and timeouts, chunked
/// streams. I/O runs on `io_threads` threads; handlers run on a separate worker pool so a slow
/// handler never stalls other connections. Started at most once.
class HttpServer {
 public:
  HttpServer(HttpServerOptions options, RequestHandler handler);
  /// Stops the server (see Stop).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds, listens and starts the threads. Fails with kUnavailable naming the address when it
  /// cannot listen (e.g. the port is taken), kInvalidArgument for a bad address or options.
  Result<void> Start();

  /// Graceful stop: stops accepting, closes idle keep-alive connections, ends streams, lets
  /// requests in flight finish and be written (up to `shutdown_timeout`, then their
  /// connections are closed), and joins all threads. Blocks until done; waits for running
  /// handlers to return, so it must not be called from a handler or on_request_done.
  /// Idempotent.
  void Stop();

  /// The bound port after a successful Start (useful with port 0), else 0.
  std::uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aurora::server::http
