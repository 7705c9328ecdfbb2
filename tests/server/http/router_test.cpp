#include "server/http/router.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace aurora::server::http {
namespace {

Request MakeRequest(std::string method, std::string target) {
  Request request;
  request.method = std::move(method);
  request.target = std::move(target);
  auto parsed = ParseRequestTarget(request.target);
  if (parsed) {
    request.path = parsed->path;
    request.query = parsed->query;
  }
  return request;
}

RouteHandler Echo(std::string name) {
  return [name](const Request&, const PathParams& params) {
    Response response;
    response.body = name;
    for (const auto& [key, value] : params) response.body += " " + key + "=" + value;
    return response;
  };
}

TEST(RouterTest, DispatchesByMethodAndPath) {
  Router router;
  router.Add("GET", "/api/v1/parameters", Echo("list"));
  router.Add("POST", "/api/v1/parameters", Echo("create"));
  router.Add("GET", "/healthz", Echo("health"));

  EXPECT_EQ(router.Dispatch(MakeRequest("GET", "/api/v1/parameters")).body, "list");
  EXPECT_EQ(router.Dispatch(MakeRequest("POST", "/api/v1/parameters")).body, "create");
  EXPECT_EQ(router.Dispatch(MakeRequest("GET", "/healthz?verbose=1")).body, "health");
}

TEST(RouterTest, CapturesAndDecodesPathParameters) {
  Router router;
  router.Add("GET", "/api/v1/parameters/:id", Echo("get"));
  router.Add("POST", "/api/v1/experiments/:id/variants/:variant", Echo("variant"));

  EXPECT_EQ(router.Dispatch(MakeRequest("GET", "/api/v1/parameters/42")).body, "get id=42");
  EXPECT_EQ(router.Dispatch(MakeRequest("POST", "/api/v1/experiments/7/variants/b%20c")).body,
            "variant id=7 variant=b c");
  // An encoded slash stays inside its segment.
  EXPECT_EQ(router.Dispatch(MakeRequest("GET", "/api/v1/parameters/a%2Fb")).body, "get id=a/b");
}

TEST(RouterTest, PathParamsGetThrowsForUnknownName) {
  PathParams params;
  params.Add("id", "1");
  EXPECT_EQ(params.Get("id"), "1");
  EXPECT_EQ(params.Find("other"), std::nullopt);
  EXPECT_THROW((void)params.Get("other"), std::out_of_range);
}

TEST(RouterTest, LiteralSegmentBeatsCapture) {
  Router router;
  router.Add("GET", "/experiments/:id", Echo("by-id"));
  router.Add("GET", "/experiments/archived", Echo("archived"));

  EXPECT_EQ(router.Dispatch(MakeRequest("GET", "/experiments/archived")).body, "archived");
  EXPECT_EQ(router.Dispatch(MakeRequest("GET", "/experiments/5")).body, "by-id id=5");
}

TEST(RouterTest, UnknownPathIsNotFoundJson) {
  Router router;
  router.Add("GET", "/a", Echo("a"));

  const Response response = router.Dispatch(MakeRequest("GET", "/x"));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.Header("content-type"), "application/json");
  EXPECT_EQ(response.body, R"({"error":{"code":"not_found","message":"no route for GET /x"}})");
  EXPECT_EQ(router.Dispatch(MakeRequest("GET", "/a/b")).status, 404);
  EXPECT_EQ(router.Dispatch(MakeRequest("GET", "/a/")).status, 404);  // trailing slash matters
}

TEST(RouterTest, NotFoundMessageEscapesThePath) {
  Router router;
  const Response response = router.Dispatch(MakeRequest("GET", "/%22q%22%0A"));
  EXPECT_EQ(response.body,
            R"({"error":{"code":"not_found","message":"no route for GET /\"q\"\n"}})");
}

TEST(RouterTest, KnownPathWithOtherMethodIsMethodNotAllowedWithAllow) {
  Router router;
  router.Add("GET", "/api/v1/segments/:id", Echo("get"));
  router.Add("DELETE", "/api/v1/segments/:id", Echo("delete"));
  router.Add("PUT", "/api/v1/segments/:id", Echo("put"));

  const Response response = router.Dispatch(MakeRequest("POST", "/api/v1/segments/3"));
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.Header("Allow"), "DELETE, GET, HEAD, PUT");
  EXPECT_NE(response.body.find(R"("code":"invalid_argument")"), std::string::npos);
}

TEST(RouterTest, HeadFallsBackToGet) {
  Router router;
  router.Add("GET", "/config", Echo("config"));
  EXPECT_EQ(router.Dispatch(MakeRequest("HEAD", "/config")).body, "config");
}

TEST(RouterTest, WorksWithRequestsBuiltWithoutTarget) {
  Router router;
  router.Add("GET", "/things/:name", Echo("thing"));
  Request request;
  request.method = "GET";
  request.path = "/things/x y";
  EXPECT_EQ(router.Dispatch(request).body, "thing name=x y");
}

TEST(RouterTest, RejectsMalformedAndDuplicatePatterns) {
  Router router;
  router.Add("GET", "/a/:id", Echo("a"));
  EXPECT_THROW(router.Add("GET", "a", Echo("x")), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "/a/:", Echo("x")), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "/a/:other", Echo("x")), std::invalid_argument);
  EXPECT_NO_THROW(router.Add("POST", "/a/:id", Echo("x")));
}

TEST(RouterTest, MatchedPatternNamesTheRouteDispatchWouldUse) {
  Router router;
  router.Add("GET", "/experiments/:id", Echo("by-id"));
  router.Add("GET", "/experiments/archived", Echo("archived"));

  EXPECT_EQ(router.MatchedPattern(MakeRequest("GET", "/experiments/9")), "/experiments/:id");
  EXPECT_EQ(router.MatchedPattern(MakeRequest("HEAD", "/experiments/archived")),
            "/experiments/archived");
  EXPECT_EQ(router.MatchedPattern(MakeRequest("POST", "/experiments/9")), std::nullopt);
  EXPECT_EQ(router.MatchedPattern(MakeRequest("GET", "/nope")), std::nullopt);
}

TEST(RouterTest, RoutesListsMethodAndPatternInOrder) {
  Router router;
  router.Add("GET", "/api/v1/parameters", Echo(""));
  router.Add("GET", "/api/v1/parameters/:id", Echo(""));
  router.Add("PATCH", "/api/v1/parameters/:id", Echo(""));

  const std::vector<std::pair<std::string, std::string>> expected = {
      {"GET", "/api/v1/parameters"},
      {"GET", "/api/v1/parameters/:id"},
      {"PATCH", "/api/v1/parameters/:id"}};
  EXPECT_EQ(router.Routes(), expected);
}

}  // namespace
}  // namespace aurora::server::http
