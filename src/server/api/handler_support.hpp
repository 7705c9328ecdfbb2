#pragma once

// What every route handler uses to read a request and shape its answer (routes.cpp defines them).

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "aurora/result.hpp"
#include "server/api/error_mapping.hpp"
#include "server/http/message.hpp"
#include "server/http/router.hpp"

namespace aurora::server::api {

/// A JSON response of `body` (invalid UTF-8 replaced).
http::Response JsonResponse(int status, const nlohmann::ordered_json& body);
/// `r` with `ETag: "<version>"` of `resource`.
http::Response WithEtag(http::Response r, const nlohmann::ordered_json& resource);
/// The request's JSON body; an empty body is {} when `allow_empty`, else kInvalidArgument.
Result<nlohmann::json> ParseBody(const http::Request& req, bool allow_empty);
/// The positive integer `:id` of the path.
Result<std::int64_t> PathId(const http::PathParams& params);
/// `?limit=` (1..1000, default 100).
Result<int> Limit(const http::Request& req);
/// If-Match: "3", W/"3" or 3; nullopt without the header.
Result<std::optional<std::int64_t>> IfMatch(const http::Request& req);

/// Runs a handler body that returns Result<Response>; errors go through the error mapping.
template <class F>
http::Response Handle(F&& f) {
  Result<http::Response> r = f();
  if (!r) return ErrorResponse(r.error());
  return std::move(*r);
}

}  // namespace aurora::server::api
