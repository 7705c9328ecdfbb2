// The only translation unit that sees Boost.Beast and Asio (they cost ~25 s per TU to compile).
// Threading model and limits: docs/decisions/0001-http-server.md.
#include "server/http/http_server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <iostream>
#include <limits>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace aurora::server::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using beast::error_code;

namespace detail {

// The transport's side of EventStream: attach a waker, drain queued bytes, detach.
struct EventStreamAccess {
  static void Attach(EventStream& stream, std::function<void()> wake) {
    std::lock_guard lock(stream.mutex_);
    stream.wake_ = std::move(wake);
  }
  // Moves the queued bytes into `out` (which must be empty); returns whether the stream is
  // closed. Closed with bytes left means "send these, then end".
  static bool Take(EventStream& stream, std::string& out) {
    std::lock_guard lock(stream.mutex_);
    out.swap(stream.pending_);
    return stream.closed_;
  }
  // The connection is gone: close, drop queued bytes, and forget the waker so producers never
  // post to an executor that may be destroyed.
  static void Abort(EventStream& stream) {
    std::lock_guard lock(stream.mutex_);
    stream.closed_ = true;
    stream.pending_.clear();
    stream.wake_ = nullptr;
  }
};

}  // namespace detail

namespace {

using detail::EventStreamAccess;

// After a rejected request (413, 431, 400) the client may still be sending. Closing a socket
// with unread input makes the kernel send a reset, which can destroy the response before the
// client reads it, so read and discard for a little while first. Bounded in time and bytes.
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr std::size_t kLingerBytes = std::size_t{1} << 20;
// Connections beyond max_connections get a short 503 attempt, then are closed.
constexpr auto kBusyWriteTimeout = std::chrono::seconds(2);
// After shutdown_timeout, connections are closed by force; this is how long Stop then waits
// for their coroutines to unwind before stopping the I/O threads.
constexpr auto kForceCloseGrace = std::chrono::seconds(1);
// Pause after a failed accept (e.g. out of descriptors) so the loop does not spin.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);

const auto kAwaitable = asio::use_awaitable;

bool IsSaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string GenerateRequestId() {
  static constexpr char kHex[] = "0123456789abcdef";
  thread_local std::mt19937_64 engine{std::random_device{}()};
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    std::uint64_t bits = engine();
    for (int i = 0; i < 16; ++i, bits >>= 4) id[half * 16 + i] = kHex[bits & 0xF];
  }
  return id;
}

std::string FormatEndpoint(const asio::ip::address& address, std::uint16_t port) {
  const std::string host = address.to_string();
  return (address.is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

bool IsTokenChar(char c) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         kSpecials.find(c) != std::string_view::npos;
}

bool IsValidFieldName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), IsTokenChar);
}

bool IsValidFieldValue(std::string_view value) {
  return std::none_of(value.begin(), value.end(),
                      [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// Headers the transport owns: handlers cannot frame the message.
bool IsManagedField(std::string_view name) {
  return EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
         EqualsIgnoreCase(name, "Connection");
}

// "http://host:1/a?b" (absolute form, sent to proxies) → "/a?b"; origin form unchanged.
std::string_view OriginForm(std::string_view target) {
  if (target.empty() || target.front() == '/') return target;
  const std::size_t scheme = target.find("://");
  if (scheme == std::string_view::npos) return target;
  const std::size_t slash = target.find('/', scheme + 3);
  return slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
}

// The response the transport sends for a request it could not read, or nullopt when the
// connection just ended (client closed, timeout, Stop).
std::optional<Response> RejectionFor(const error_code& ec, const HttpServerOptions& options) {
  if (ec == bhttp::error::body_limit) {
    return Response::JsonError(
        413, "payload_too_large",
        "request body exceeds " + std::to_string(options.max_body_bytes) + " bytes");
  }
  if (ec == bhttp::error::header_limit) {
    return Response::JsonError(
        431, "invalid_argument",
        "request headers exceed " + std::to_string(options.max_header_bytes) + " bytes");
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
      ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message &&
      ec != bhttp::error::need_more) {
    return Response::JsonError(400, "invalid_argument", "malformed request: " + ec.message());
  }
  return std::nullopt;
}

template <class Body>
void CopyHeaders(const Response& response, bhttp::response<Body>& message, const LogSink& log) {
  for (const auto& [name, value] : response.headers) {
    if (IsManagedField(name)) continue;
    if (!IsValidFieldName(name) || !IsValidFieldValue(value)) {
      log("http: dropping invalid response header " + JsonQuote(name));
      continue;
    }
    message.insert(name, value);
  }
}

}  // namespace

struct HttpServer::Impl {
  struct Session;

  Impl(HttpServerOptions opts, RequestHandler request_handler)
      : options(std::move(opts)), handler(std::move(request_handler)) {}

  Result<void> Start();
  void Stop();

  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> RejectBusy(tcp::socket socket);
  asio::awaitable<void> Serve(std::shared_ptr<Session> s);
  asio::awaitable<bool> Respond(std::shared_ptr<Session> s,
                                bhttp::request<bhttp::string_body> message,
                                Clock::time_point started);
  asio::awaitable<void> Reject(std::shared_ptr<Session> s, Request request, Response response,
                               Clock::time_point started);
  asio::awaitable<void> WriteStream(std::shared_ptr<Session> s, const Request& request,
                                    Response& response, unsigned version, bool head,
                                    Clock::time_point started);
  asio::awaitable<void> WatchForDisconnect(std::shared_ptr<Session> s);
  asio::awaitable<Response> Invoke(Request& request);

  void OnStop(Session& s);
  void Done(const Request& request, const Response& response, Clock::time_point started);
  void RunIo();
  void Log(std::string_view line) const;
  std::function<void(std::exception_ptr)> LogFailure(std::string what);
  std::vector<std::shared_ptr<Session>> LiveSessions();
  void Unregister(std::uint64_t id);

  const HttpServerOptions options;
  const RequestHandler handler;
  const LogSink log_sink = [this](std::string_view line) { Log(line); };

  std::mutex lifecycle_mutex;  // serialises Start and Stop
  bool has_started = false;
  bool has_stopped = false;
  std::atomic<bool> stopping{false};
  std::atomic<std::uint16_t> bound_port{0};

  // Declared before `io` so that they outlive sessions destroyed along with the io_context.
  std::mutex sessions_mutex;  // guards sessions and next_session_id
  std::condition_variable sessions_cv;
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions;
  std::uint64_t next_session_id = 0;

  std::optional<asio::io_context> io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::thread_pool> workers;
  std::vector<std::jthread> io_threads;
};

// One client connection. Its coroutines all run on `executor` (a strand), so the members need
// no lock; other threads reach it only through asio::post.
struct HttpServer::Impl::Session {
  enum class Phase { kReading, kBusy, kStreaming };

  Session(Impl& owner, std::uint64_t session_id, tcp::socket socket, std::string peer);
  ~Session();

  Impl& server;
  const std::uint64_t id;
  const asio::any_io_executor executor;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  asio::steady_timer wake_timer;  // a stream's producer cancels it to wake the writer
  const std::string remote;
  Phase phase = Phase::kReading;
  std::shared_ptr<EventStream> event_stream;
  bool client_gone = false;
};

HttpServer::Impl::Session::Session(Impl& owner, std::uint64_t session_id, tcp::socket socket,
                                   std::string peer)
    : server(owner),
      id(session_id),
      executor(socket.get_executor()),
      stream(std::move(socket)),
      wake_timer(executor),
      remote(std::move(peer)) {}

HttpServer::Impl::Session::~Session() {
  if (event_stream) EventStreamAccess::Abort(*event_stream);
  server.Unregister(id);
}

void HttpServer::Impl::Unregister(std::uint64_t session_id) {
  std::lock_guard lock(sessions_mutex);
  sessions.erase(session_id);
  if (sessions.empty()) sessions_cv.notify_all();
}

auto HttpServer::Impl::LiveSessions() -> std::vector<std::shared_ptr<Session>> {
  std::vector<std::shared_ptr<Session>> live;
  std::lock_guard lock(sessions_mutex);
  live.reserve(sessions.size());
  for (const auto& [session_id, weak] : sessions) {
    if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  return live;
}

void HttpServer::Impl::Log(std::string_view line) const {
  if (options.log) {
    options.log(line);
    return;
  }
  static std::mutex stderr_mutex;
  std::lock_guard lock(stderr_mutex);
  std::cerr << line << '\n';
}

std::function<void(std::exception_ptr)> HttpServer::Impl::LogFailure(std::string what) {
  return [this, what = std::move(what)](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      Log("http: " + what + " failed: " + e.what());
    } catch (...) {
      Log("http: " + what + " failed with a non-standard exception");
    }
  };
}

void HttpServer::Impl::RunIo() {
  for (;;) {
    try {
      io->run();
      return;
    } catch (const std::exception& e) {
      Log(std::string("http: exception on an I/O thread: ") + e.what());
    } catch (...) {
      Log("http: non-standard exception on an I/O thread");
    }
  }
}

Result<void> HttpServer::Impl::Start() {
  std::lock_guard lifecycle(lifecycle_mutex);
  if (has_started || has_stopped)
    return Error{ErrorCode::kInvalidArgument, "http server already started"};
  if (options.io_threads < 1 || options.worker_threads < 1) {
    return Error{ErrorCode::kInvalidArgument, "io_threads and worker_threads must be at least 1"};
  }
  if (options.max_body_bytes == 0 || options.max_header_bytes == 0 ||
      options.max_header_bytes > std::numeric_limits<std::uint32_t>::max()) {
    return Error{ErrorCode::kInvalidArgument, "max_body_bytes and max_header_bytes out of range"};
  }
  error_code ec;
  const asio::ip::address address = asio::ip::make_address(options.address, ec);
  if (ec) {
    return Error{ErrorCode::kInvalidArgument,
                 "invalid bind address " + JsonQuote(options.address) + ": " + ec.message()};
  }
  const std::string where = FormatEndpoint(address, options.port);
  io.emplace(options.io_threads);
  acceptor.emplace(asio::make_strand(*io));
  const tcp::endpoint endpoint(address, options.port);
  acceptor->open(endpoint.protocol(), ec);
  // SO_REUSEADDR lets a restarted server bind while old connections sit in TIME_WAIT; on Linux
  // it does not allow two listeners on one port, so "port taken" is still reported.
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor.reset();
    io.reset();
    return Error{ErrorCode::kUnavailable, "cannot listen on " + where + ": " + ec.message()};
  }
  bound_port = acceptor->local_endpoint().port();
  has_started = true;
  workers.emplace(static_cast<std::size_t>(options.worker_threads));
  work.emplace(io->get_executor());
  asio::co_spawn(acceptor->get_executor(), AcceptLoop(), LogFailure("accept loop"));
  for (int i = 0; i < options.io_threads; ++i) io_threads.emplace_back([this] { RunIo(); });
  return {};
}

void HttpServer::Impl::Stop() {
  std::lock_guard lifecycle(lifecycle_mutex);
  if (!has_started || has_stopped) return;
  has_stopped = true;
  stopping = true;

  asio::post(acceptor->get_executor(), [this] {
    error_code ignored;
    acceptor->close(ignored);
  });
  for (auto& session : LiveSessions()) {
    asio::post(session->executor, [session] { session->server.OnStop(*session); });
  }
  {
    std::unique_lock lock(sessions_mutex);
    if (!sessions_cv.wait_for(lock, options.shutdown_timeout, [&] { return sessions.empty(); })) {
      const std::size_t left = sessions.size();
      lock.unlock();
      Log("http: " + std::to_string(left) + " connection(s) still busy after shutdown_timeout; " +
          "closing them");
      for (auto& session : LiveSessions()) {
        asio::post(session->executor, [session] { session->stream.close(); });
      }
      lock.lock();
      sessions_cv.wait_for(lock, kForceCloseGrace, [&] { return sessions.empty(); });
    }
  }

  work.reset();
  io->stop();
  for (auto& thread : io_threads) thread.join();
  io_threads.clear();
  // Sessions still alive are parked in handlers that will never run. Detach their streams
  // before the io_context goes, so producers stop posting to it.
  for (auto& session : LiveSessions()) {
    if (session->event_stream) EventStreamAccess::Abort(*session->event_stream);
  }
  // Handlers still running finish here; their completions queue on the stopped io_context and
  // are destroyed with it, together with the coroutines waiting for them.
  workers->join();
  acceptor.reset();
  workers.reset();
  io.reset();
}

void HttpServer::Impl::OnStop(Session& s) {
  switch (s.phase) {
    case Session::Phase::kReading:
      s.stream.close();  // idle keep-alive, or a request still arriving
      break;
    case Session::Phase::kBusy:
      break;  // the response goes out with Connection: close
    case Session::Phase::kStreaming:
      if (s.event_stream) s.event_stream->Close();
      break;
  }
}

void HttpServer::Impl::Done(const Request& request, const Response& response,
                            Clock::time_point started) {
  if (!options.on_request_done) return;
  try {
    options.on_request_done(request, response, Clock::now() - started);
  } catch (const std::exception& e) {
    Log(std::string("http: on_request_done threw: ") + e.what());
  } catch (...) {
    Log("http: on_request_done threw a non-standard exception");
  }
}

asio::awaitable<void> HttpServer::Impl::AcceptLoop() {
  for (;;) {
    error_code ec;
    tcp::socket socket = co_await acceptor->async_accept(
        asio::any_io_executor(asio::make_strand(*io)), asio::redirect_error(kAwaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping || !acceptor->is_open()) co_return;
      Log("http: accept failed: " + ec.message());
      asio::steady_timer pause(co_await asio::this_coro::executor, kAcceptRetryDelay);
      co_await pause.async_wait(asio::redirect_error(kAwaitable, ec));
      continue;
    }
    if (stopping) co_return;  // the socket closes on destruction

    error_code peer_ec;
    const tcp::endpoint peer = socket.remote_endpoint(peer_ec);
    std::string remote = peer_ec ? "unknown" : FormatEndpoint(peer.address(), peer.port());
    std::shared_ptr<Session> session;
    {
      std::lock_guard lock(sessions_mutex);
      if (sessions.size() < options.max_connections) {
        session = std::make_shared<Session>(*this, ++next_session_id, std::move(socket),
                                            std::move(remote));
        sessions.emplace(session->id, session);
      }
    }
    if (session) {
      asio::co_spawn(session->executor, Serve(session), LogFailure("connection"));
    } else {
      const auto executor = socket.get_executor();
      asio::co_spawn(executor, RejectBusy(std::move(socket)), LogFailure("busy rejection"));
    }
  }
}

asio::awaitable<void> HttpServer::Impl::RejectBusy(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  bhttp::response<bhttp::string_body> message{bhttp::status::service_unavailable, 11};
  message.set(bhttp::field::content_type, "application/json");
  message.set("X-Request-Id", GenerateRequestId());
  message.body() = Response::JsonError(503, "unavailable", "too many connections").body;
  message.keep_alive(false);
  message.prepare_payload();
  stream.expires_after(kBusyWriteTimeout);
  error_code ec;
  co_await bhttp::async_write(stream, message, asio::redirect_error(kAwaitable, ec));
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> HttpServer::Impl::Serve(std::shared_ptr<Session> s) {
  bool first = true;
  while (!stopping) {
    s->phase = Session::Phase::kReading;
    error_code ec;
    if (first) {
      // A new connection gets header_timeout for its silence and its headers together.
      s->stream.expires_after(options.header_timeout);
    } else {
      if (s->buffer.size() == 0) {
        s->stream.expires_after(options.idle_timeout);
        const std::size_t n = co_await s->stream.async_read_some(
            s->buffer.prepare(16 * 1024), asio::redirect_error(kAwaitable, ec));
        if (ec) break;  // idle timeout, client closed, or Stop
        s->buffer.commit(n);
      }
      // An absolute deadline: every read of the header shares it, so trickling bytes does not
      // extend it (slowloris).
      s->stream.expires_after(options.header_timeout);
    }
    first = false;

    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    co_await bhttp::async_read_header(s->stream, s->buffer, parser,
                                      asio::redirect_error(kAwaitable, ec));
    const Clock::time_point started = Clock::now();
    if (!ec && !parser.is_done()) {
      const auto expect = parser.get()[bhttp::field::expect];
      if (parser.get().version() >= 11 && EqualsIgnoreCase(expect, "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        s->stream.expires_after(options.write_timeout);
        co_await asio::async_write(s->stream, asio::buffer(kContinue.data(), kContinue.size()),
                                   asio::redirect_error(kAwaitable, ec));
        if (ec) break;
      }
      s->stream.expires_after(options.body_timeout);
      co_await bhttp::async_read(s->stream, s->buffer, parser,
                                 asio::redirect_error(kAwaitable, ec));
    }
    if (ec) {
      if (auto rejection = RejectionFor(ec, options)) {
        Request partial;
        partial.method = std::string(parser.get().method_string());
        partial.target = std::string(parser.get().target());
        co_await Reject(s, std::move(partial), std::move(*rejection), started);
      }
      break;
    }
    if (!co_await Respond(s, parser.release(), started)) break;
  }
  error_code ignored;
  s->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  s->stream.close();
}

asio::awaitable<Response> HttpServer::Impl::Invoke(Request& request) {
  try {
    co_return handler(request);
  } catch (const std::exception& e) {
    Log("http: handler for " + request.method + " " + request.target + " (request " +
        request.request_id + ") threw: " + e.what());
  } catch (...) {
    Log("http: handler for " + request.method + " " + request.target + " (request " +
        request.request_id + ") threw a non-standard exception");
  }
  co_return Response::JsonError(500, "internal", "internal error");
}

asio::awaitable<bool> HttpServer::Impl::Respond(std::shared_ptr<Session> s,
                                                bhttp::request<bhttp::string_body> message,
                                                Clock::time_point started) {
  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(OriginForm(message.target()));
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  const auto client_id = request.Header("X-Request-Id");
  request.request_id =
      client_id && IsSaneRequestId(*client_id) ? std::string(*client_id) : GenerateRequestId();
  request.remote = s->remote;
  request.body = std::move(message.body());
  const bool head = message.method() == bhttp::verb::head;
  const unsigned version = message.version();
  bool keep_alive = message.keep_alive();

  Response response;
  if (auto target = ParseRequestTarget(request.target)) {
    request.path = std::move(target->path);
    request.query = std::move(target->query);
    s->phase = Session::Phase::kBusy;
    if (options.run_inline && options.run_inline(request)) {
      response = co_await Invoke(request);
    } else {
      // Handlers may block on a database: run them on the worker pool and resume here after.
      response = co_await asio::co_spawn(workers->get_executor(), Invoke(request), kAwaitable);
    }
  } else {
    response = Response::JsonError(400, "invalid_argument", "malformed request target");
    keep_alive = false;
  }
  if (response.status < 200 || response.status > 599) {
    Log("http: handler for " + request.method + " " + request.target + " returned status " +
        std::to_string(response.status));
    response = Response::JsonError(500, "internal", "internal error");
  }
  response.SetHeader("X-Request-Id", request.request_id);
  if (stopping) keep_alive = false;

  if (response.stream) {
    co_await WriteStream(s, request, response, version, head, started);
    co_return false;
  }

  bhttp::response<bhttp::string_body> out;
  out.version(version);
  out.result(static_cast<unsigned>(response.status));
  CopyHeaders(response, out, log_sink);
  out.keep_alive(keep_alive);
  const bool bodiless = response.status < 200 || response.status == 204 || response.status == 304;
  if (head) {
    if (!bodiless) out.content_length(response.body.size());
  } else if (!bodiless) {
    out.body() = std::move(response.body);
    out.prepare_payload();
  }
  error_code ec;
  s->stream.expires_after(options.write_timeout);
  co_await bhttp::async_write(s->stream, out, asio::redirect_error(kAwaitable, ec));
  if (!head && !bodiless) response.body = std::move(out.body());
  Done(request, response, started);
  co_return !ec && keep_alive;
}

asio::awaitable<void> HttpServer::Impl::Reject(std::shared_ptr<Session> s, Request request,
                                               Response response, Clock::time_point started) {
  request.remote = s->remote;
  request.request_id = GenerateRequestId();
  response.SetHeader("X-Request-Id", request.request_id);
  bhttp::response<bhttp::string_body> out;
  out.version(11);
  out.result(static_cast<unsigned>(response.status));
  CopyHeaders(response, out, log_sink);
  out.keep_alive(false);
  out.body() = response.body;
  out.prepare_payload();
  error_code ec;
  s->stream.expires_after(options.write_timeout);
  co_await bhttp::async_write(s->stream, out, asio::redirect_error(kAwaitable, ec));
  Done(request, response, started);
  if (ec) co_return;

  s->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  s->stream.expires_after(kLingerTime);
  std::array<char, 16 * 1024> scratch{};
  std::size_t drained = 0;
  while (!ec && drained < kLingerBytes) {
    drained += co_await s->stream.async_read_some(asio::buffer(scratch),
                                                  asio::redirect_error(kAwaitable, ec));
  }
}

asio::awaitable<void> HttpServer::Impl::WriteStream(std::shared_ptr<Session> s,
                                                    const Request& request, Response& response,
                                                    unsigned version, bool head,
                                                    Clock::time_point started) {
  const std::shared_ptr<EventStream> stream = response.stream;
  // HTTP/1.0 has no chunked encoding: the body then ends when the connection closes.
  const bool chunked = version >= 11;
  bhttp::response<bhttp::empty_body> header;
  header.version(version);
  header.result(static_cast<unsigned>(response.status));
  CopyHeaders(response, header, log_sink);
  header.keep_alive(false);
  if (chunked && !head) header.chunked(true);
  bhttp::response_serializer<bhttp::empty_body> serializer(header);
  error_code ec;
  s->stream.expires_after(options.write_timeout);
  co_await bhttp::async_write_header(s->stream, serializer, asio::redirect_error(kAwaitable, ec));
  if (ec || head) {
    EventStreamAccess::Abort(*stream);
    Done(request, response, started);
    co_return;
  }

  s->event_stream = stream;
  s->phase = Session::Phase::kStreaming;
  std::weak_ptr<Session> weak = s;
  EventStreamAccess::Attach(*stream, [weak, executor = s->executor] {
    asio::post(executor, [weak] {
      if (auto session = weak.lock()) session->wake_timer.cancel();
    });
  });
  if (stopping) stream->Close();  // Stop passed this connection while its handler ran

  // The client never sends during a stream; a pending read is how its disconnect is noticed.
  s->stream.expires_never();
  asio::co_spawn(s->executor, WatchForDisconnect(s), asio::detached);

  std::string chunk;
  for (;;) {
    chunk.clear();
    const bool closed = EventStreamAccess::Take(*stream, chunk);
    if (s->client_gone) break;
    if (!chunk.empty()) {
      s->stream.expires_after(options.write_timeout);
      if (chunked) {
        co_await asio::async_write(s->stream, bhttp::make_chunk(asio::buffer(chunk)),
                                   asio::redirect_error(kAwaitable, ec));
      } else {
        co_await asio::async_write(s->stream, asio::buffer(chunk),
                                   asio::redirect_error(kAwaitable, ec));
      }
      if (ec) break;
      continue;  // more may have arrived meanwhile
    }
    if (closed) {
      if (chunked) {
        s->stream.expires_after(options.write_timeout);
        co_await asio::async_write(s->stream, bhttp::make_chunk_last(),
                                   asio::redirect_error(kAwaitable, ec));
      }
      break;
    }
    // Take and this wait run without a suspension between them on the strand, and wakers post
    // their cancel to the same strand, so a Push in between cannot be missed.
    s->wake_timer.expires_at(asio::steady_timer::time_point::max());
    co_await s->wake_timer.async_wait(asio::redirect_error(kAwaitable, ec));
  }
  EventStreamAccess::Abort(*stream);
  s->event_stream.reset();
  Done(request, response, started);
}

asio::awaitable<void> HttpServer::Impl::WatchForDisconnect(std::shared_ptr<Session> s) {
  std::array<char, 1024> scratch{};
  error_code ec;
  while (!ec) {
    co_await s->stream.async_read_some(asio::buffer(scratch), asio::redirect_error(kAwaitable, ec));
  }
  s->client_gone = true;
  s->wake_timer.cancel();
}

HttpServer::HttpServer(HttpServerOptions options, RequestHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { impl_->Stop(); }

Result<void> HttpServer::Start() { return impl_->Start(); }

void HttpServer::Stop() { impl_->Stop(); }

std::uint16_t HttpServer::port() const { return impl_->bound_port; }

}  // namespace aurora::server::http
