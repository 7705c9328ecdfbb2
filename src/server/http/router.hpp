#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/http/message.hpp"

namespace aurora::server::http {

/// Values captured by `:name` segments of a route pattern, percent-decoded, in pattern order.
class PathParams {
 public:
  using Item = std::pair<std::string, std::string>;

  void Add(std::string name, std::string value);
  /// The value of `name`, or nullopt.
  std::optional<std::string_view> Find(std::string_view name) const;
  /// The value of `name`; throws std::out_of_range when the route has no such parameter (the
  /// handler and its pattern disagree, a programming error).
  std::string_view Get(std::string_view name) const;

  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  std::vector<Item>::const_iterator begin() const { return items_.begin(); }
  std::vector<Item>::const_iterator end() const { return items_.end(); }

 private:
  std::vector<Item> items_;
};

using RouteHandler = std::function<Response(const Request&, const PathParams&)>;

/// Thread-safe once built: Dispatch may run on many threads at once; Add may not overlap them.
/// Maps (method, path) to handlers. Patterns are literal segments and `:name` captures, e.g.
/// `/api/v1/parameters/:id`; a literal segment wins over a capture at the first place they
/// differ, so `/experiments/archived` beats `/experiments/:id`. Trailing slashes are significant.
class Router {
 public:
  /// Registers a handler. Throws std::invalid_argument for a pattern that does not start with
  /// '/', has an empty capture name, or duplicates an existing route (captures compare equal
  /// whatever their names).
  void Add(std::string method, std::string_view pattern, RouteHandler handler);

  /// Runs the matching handler and returns its response. HEAD falls back to the GET route.
  /// Unknown path → 404 `not_found`; known path, other method → 405 `invalid_argument` with
  /// an `Allow` header. Exceptions from the handler propagate.
  Response Dispatch(const Request& request) const;

  /// The pattern Dispatch would pick for this request (e.g. for metrics labels), or nullopt
  /// when it would answer 404 or 405. Valid while the router lives.
  std::optional<std::string_view> MatchedPattern(const Request& request) const;

  /// Every registered (method, pattern), in registration order.
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  struct Segment {
    std::string text;  // literal text, or the capture's name
    bool capture = false;
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    RouteHandler handler;
  };

  // The route for the request, or nullptr; `allowed` (when given) collects the methods of
  // every route whose pattern matches the path.
  const Route* Find(const Request& request, const std::vector<std::string_view>& segments,
                    std::vector<std::string>* allowed) const;
  static bool Matches(const Route& route, const std::vector<std::string_view>& segments);
  static bool MoreSpecific(const Route& a, const Route& b);

  std::vector<Route> routes_;
};

}  // namespace aurora::server::http
