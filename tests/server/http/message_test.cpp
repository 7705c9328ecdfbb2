#include "server/http/message.hpp"

#include <gtest/gtest.h>

namespace aurora::server::http {
namespace {

TEST(MessageTest, RequestHeaderLookupIgnoresCase) {
  Request request;
  request.headers = {{"Content-Type", "application/json"}, {"X-A", "1"}, {"x-a", "2"}};
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("X-a"), "1");
  EXPECT_EQ(request.Header("missing"), std::nullopt);
}

TEST(MessageTest, ParsesAndDecodesTarget) {
  const auto target = ParseRequestTarget("/a/b%20c?limit=5&cursor=x%2By&q=a+b&flag&=v&&");
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(target->path, "/a/b c");
  const FieldList expected = {
      {"limit", "5"}, {"cursor", "x+y"}, {"q", "a b"}, {"flag", ""}, {"", "v"}};
  EXPECT_EQ(target->query, expected);

  Request request;
  request.query = target->query;
  EXPECT_EQ(request.Query("limit"), "5");
  EXPECT_EQ(request.Query("LIMIT"), std::nullopt);
}

TEST(MessageTest, RejectsMalformedTargets) {
  EXPECT_FALSE(ParseRequestTarget("").has_value());
  EXPECT_FALSE(ParseRequestTarget("a/b").has_value());
  EXPECT_FALSE(ParseRequestTarget("/a%2").has_value());
  EXPECT_FALSE(ParseRequestTarget("/a%zz").has_value());
  EXPECT_FALSE(ParseRequestTarget("/a%00").has_value());
  EXPECT_FALSE(ParseRequestTarget("/a?x=%g1").has_value());
}

TEST(MessageTest, JsonQuoteEscapesControlsAndInvalidUtf8) {
  EXPECT_EQ(JsonQuote("plain"), R"("plain")");
  EXPECT_EQ(JsonQuote("a\"b\\c\n\x01"), R"("a\"b\\c\n\u0001")");
  EXPECT_EQ(JsonQuote("h\xC3\xA9"), "\"h\xC3\xA9\"");               // valid UTF-8 passes
  EXPECT_EQ(JsonQuote("x\xFFy\xC3"), R"("x\ufffdy\ufffd")");        // invalid bytes replaced
  EXPECT_EQ(JsonQuote("\xED\xA0\x80"), R"("\ufffd\ufffd\ufffd")");  // a surrogate
}

TEST(MessageTest, ResponseHelpers) {
  Response response = Response::Json(201, R"({"id":1})");
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.Header("Content-Type"), "application/json");

  response.SetHeader("content-type", "text/plain");
  EXPECT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.Header("Content-Type"), "text/plain");

  const Response error = Response::JsonError(413, "payload_too_large", "too \"big\"");
  EXPECT_EQ(error.body, R"({"error":{"code":"payload_too_large","message":"too \"big\""}})");
}

TEST(MessageTest, EventStreamRefusesPushesAfterClose) {
  EventStream stream;
  EXPECT_FALSE(stream.IsClosed());
  EXPECT_TRUE(stream.Push("data: 1\n\n"));
  EXPECT_TRUE(stream.Push(""));
  stream.Close();
  stream.Close();
  EXPECT_TRUE(stream.IsClosed());
  EXPECT_FALSE(stream.Push("data: 2\n\n"));
}

TEST(MessageTest, EventStreamClosesWhenTheConsumerFallsTooFarBehind) {
  EventStream stream(/*max_pending_bytes=*/10);
  EXPECT_TRUE(stream.Push("12345"));
  EXPECT_TRUE(stream.Push("67890"));
  EXPECT_FALSE(stream.Push("x"));
  EXPECT_TRUE(stream.IsClosed());
}

}  // namespace
}  // namespace aurora::server::http
