// libFuzzer target: the HTTP request parsing path of aurora-server — Beast's request parser
// with the server's header and body limits, then request-target splitting and
// percent-decoding, then routing. Any byte string must be refused or parsed, never crash.

#include <boost/beast/http.hpp>

#include <cstdint>
#include <string>

#include "server/http/message.hpp"
#include "server/http/router.hpp"

namespace bhttp = boost::beast::http;
using aurora::server::http::PathParams;
using aurora::server::http::Request;
using aurora::server::http::Response;

namespace {
aurora::server::http::Router& Routes() {
  static aurora::server::http::Router router = [] {
    aurora::server::http::Router r;
    auto ok = [](const Request&, const PathParams& p) {
      Response res;
      for (const auto& [k, v] : p) res.body += k + "=" + v;
      return res;
    };
    for (const char* pattern : {"/api/v1/parameters", "/api/v1/parameters/:id", "/api/v1/experiments/:id/start",
                                "/api/v1/sdk/config", "/ofrep/v1/evaluate/flags/:key"}) {
      r.Add("GET", pattern, ok);
      r.Add("POST", pattern, ok);
    }
    return r;
  }();
  return router;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(1 << 20);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;
  const auto& message = parser.get();
  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  request.body = message.body();
  auto target = aurora::server::http::ParseRequestTarget(request.target);
  if (!target) return 0;
  request.path = target->path;
  request.query = target->query;
  (void)request.Header("Authorization");
  (void)request.Query("limit");
  (void)Routes().Dispatch(request);
  (void)Routes().MatchedPattern(request);
  return 0;
}
