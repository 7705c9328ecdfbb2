#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aurora::server::http {

/// Header or query fields in the order they were sent; names keep their spelling.
using FieldList = std::vector<std::pair<std::string, std::string>>;

/// ASCII case-insensitive equality, the way HTTP compares header names and tokens.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

/// One HTTP request as handlers see it: plain data, no transport types.
struct Request {
  std::string method;  ///< as sent, e.g. "GET" (methods are case-sensitive)
  std::string target;  ///< raw request-target, e.g. "/api/v1/parameters?limit=5"
  std::string path;    ///< percent-decoded path without the query
  FieldList query;     ///< decoded query parameters ('+' is a space), in order
  FieldList headers;   ///< names as sent
  std::string body;
  std::string remote;      ///< peer address, "127.0.0.1:51234" or "[::1]:51234"
  std::string request_id;  ///< the sane X-Request-Id the client sent, else a generated one
  /// Set by the application in front of the router: who is calling, as audit records name them
  /// ("user:<email>", "key:<name>", "anonymous"), and the one environment an sdk key reads.
  std::string actor;
  std::string bound_environment;

  /// First header with this name (case-insensitive), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
  /// First query parameter with this (exact, decoded) name, or nullopt.
  std::optional<std::string_view> Query(std::string_view name) const;
};

namespace detail {
struct EventStreamAccess;
}

/// Thread-safe: any thread may Push or Close; the server drains it on the connection's I/O
/// thread, without a thread per stream.
/// A response body written over time, one chunk per burst of Push calls (Server-Sent Events).
/// It reports closed once the producer closed it, the client disconnected, the server stopped,
/// or the client fell more than `max_pending_bytes` behind.
class EventStream {
 public:
  explicit EventStream(std::size_t max_pending_bytes = std::size_t{1} << 20);
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  /// Queues bytes to send. Returns false (and drops them) when the stream is closed, so a
  /// publisher can forget the subscriber. An empty chunk is ignored.
  bool Push(std::string chunk);
  /// Ends the stream once the queued bytes are sent. Idempotent.
  void Close();
  /// True after Close, a client disconnect, server Stop or a consumer too slow to keep up.
  bool IsClosed() const;

 private:
  friend struct detail::EventStreamAccess;

  const std::size_t max_pending_bytes_;
  mutable std::mutex mutex_;  // guards everything below
  std::string pending_;
  bool closed_ = false;
  std::function<void()> wake_;  // set by the transport; called under mutex_, must not block
};

/// What a handler answers. When `stream` is set the body is ignored and the server sends the
/// status and headers, then the stream's chunks with chunked transfer encoding until it closes.
struct Response {
  int status = 200;
  FieldList headers;
  std::string body;
  std::shared_ptr<EventStream> stream;

  /// A response with `Content-Type: application/json`.
  static Response Json(int status, std::string body);
  /// `{"error":{"code":code,"message":message}}` with the given status; strings are escaped.
  static Response JsonError(int status, std::string_view code, std::string_view message);
  /// A streaming 200 response (`Content-Type` as given, `Cache-Control: no-cache`).
  static Response Stream(std::shared_ptr<EventStream> stream,
                         std::string content_type = "text/event-stream");

  /// Replaces every header with this name (case-insensitive) by one `name: value`.
  void SetHeader(std::string_view name, std::string value);
  /// First header with this name (case-insensitive), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
};

/// `text` as a JSON string literal, quotes included. Invalid UTF-8 becomes U+FFFD.
std::string JsonQuote(std::string_view text);

/// Decodes %XX escapes (and '+' as a space when asked). nullopt for a malformed escape or a
/// decoded NUL byte.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space);

/// An origin-form request-target split into its decoded parts.
struct RequestTarget {
  std::string path;
  FieldList query;
};

/// Parses "/a/b%20c?x=1&y" into path "/a/b c" and query {x:"1", y:""}. nullopt when the target
/// does not start with '/' or holds a malformed escape.
std::optional<RequestTarget> ParseRequestTarget(std::string_view target);

}  // namespace aurora::server::http
