#include "server/http/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace aurora::server::http {
namespace {

// "/a/b" → {"a", "b"}; "/" → {""}; "/a/" → {"a", ""}. Segments stay percent-encoded so that
// an encoded '/' inside an id cannot split it.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  path.remove_prefix(1);  // the leading '/', checked by the callers
  for (;;) {
    const std::size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

// The still-encoded path of the request: from the raw target when there is one (requests from
// the server), else the decoded path (requests built by hand in tests).
std::string_view RawPath(const Request& request) {
  std::string_view target = request.target;
  if (!target.empty() && target.front() == '/') return target.substr(0, target.find('?'));
  return request.path;
}

std::string Decode(std::string_view segment) {
  auto decoded = PercentDecode(segment, /*plus_as_space=*/false);
  return decoded ? std::move(*decoded) : std::string(segment);
}

}  // namespace

void PathParams::Add(std::string name, std::string value) {
  items_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> PathParams::Find(std::string_view name) const {
  for (const auto& [key, value] : items_) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

std::string_view PathParams::Get(std::string_view name) const {
  if (auto value = Find(name)) return *value;
  throw std::out_of_range("no path parameter named " + std::string(name));
}

void Router::Add(std::string method, std::string_view pattern, RouteHandler handler) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + std::string(pattern));
  }
  Route route{std::move(method), std::string(pattern), {}, std::move(handler)};
  for (std::string_view text : SplitPath(pattern)) {
    if (!text.empty() && text.front() == ':') {
      if (text.size() == 1) {
        throw std::invalid_argument("empty capture name in route " + std::string(pattern));
      }
      route.segments.push_back({std::string(text.substr(1)), true});
    } else {
      route.segments.push_back({std::string(text), false});
    }
  }
  for (const Route& existing : routes_) {
    const bool same_shape =
        existing.method == route.method &&
        std::equal(existing.segments.begin(), existing.segments.end(), route.segments.begin(),
                   route.segments.end(), [](const Segment& a, const Segment& b) {
                     return a.capture == b.capture && (a.capture || a.text == b.text);
                   });
    if (same_shape) {
      throw std::invalid_argument("duplicate route " + route.method + " " + route.pattern +
                                  " (same as " + existing.pattern + ")");
    }
  }
  routes_.push_back(std::move(route));
}

bool Router::Matches(const Route& route, const std::vector<std::string_view>& segments) {
  if (route.segments.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segment& segment = route.segments[i];
    if (segment.capture) {
      if (segments[i].empty()) return false;
    } else if (segments[i].find('%') == std::string_view::npos ? segment.text != segments[i]
                                                                 : segment.text != Decode(segments[i])) {
      return false;  // most paths have no escapes: compare without decoding (allocating)
    }
  }
  return true;
}

bool Router::MoreSpecific(const Route& a, const Route& b) {
  for (std::size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
    if (a.segments[i].capture != b.segments[i].capture) return !a.segments[i].capture;
  }
  return false;
}

const Router::Route* Router::Find(const Request& request,
                                  const std::vector<std::string_view>& segments,
                                  std::vector<std::string>* allowed) const {
  const Route* exact = nullptr;     // same method
  const Route* fallback = nullptr;  // GET route serving a HEAD request
  for (const Route& route : routes_) {
    if (!Matches(route, segments)) continue;
    if (allowed != nullptr) allowed->push_back(route.method);
    if (route.method == request.method) {
      if (exact == nullptr || MoreSpecific(route, *exact)) exact = &route;
    } else if (request.method == "HEAD" && route.method == "GET") {
      if (fallback == nullptr || MoreSpecific(route, *fallback)) fallback = &route;
    }
  }
  return exact != nullptr ? exact : fallback;
}

std::optional<std::string_view> Router::MatchedPattern(const Request& request) const {
  const std::string_view raw_path = RawPath(request);
  if (raw_path.empty() || raw_path.front() != '/') return std::nullopt;
  const Route* route = Find(request, SplitPath(raw_path), nullptr);
  if (route == nullptr) return std::nullopt;
  return std::string_view(route->pattern);
}

Response Router::Dispatch(const Request& request) const {
  const std::string_view raw_path = RawPath(request);
  if (raw_path.empty() || raw_path.front() != '/') {
    return Response::JsonError(404, "not_found",
                               "no route for " + request.method + " " + request.path);
  }
  const std::vector<std::string_view> segments = SplitPath(raw_path);
  std::vector<std::string> allowed;
  if (const Route* route = Find(request, segments, &allowed)) {
    PathParams params;
    for (std::size_t i = 0; i < segments.size(); ++i) {
      if (route->segments[i].capture) params.Add(route->segments[i].text, Decode(segments[i]));
    }
    return route->handler(request, params);
  }
  if (allowed.empty()) {
    return Response::JsonError(404, "not_found",
                               "no route for " + request.method + " " + request.path);
  }
  if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end()) allowed.push_back("HEAD");
  std::sort(allowed.begin(), allowed.end());
  allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
  std::string allow;
  for (const std::string& method : allowed) {
    if (!allow.empty()) allow += ", ";
    allow += method;
  }
  Response response = Response::JsonError(
      405, "invalid_argument", "method " + request.method + " not allowed for " + request.path);
  response.SetHeader("Allow", std::move(allow));
  return response;
}

std::vector<std::pair<std::string, std::string>> Router::Routes() const {
  std::vector<std::pair<std::string, std::string>> routes;
  routes.reserve(routes_.size());
  for (const Route& route : routes_) routes.emplace_back(route.method, route.pattern);
  return routes;
}

}  // namespace aurora::server::http
