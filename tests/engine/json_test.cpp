#include "engine/codec/json.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace aurora::engine {
namespace {

TEST(JsonTest, ParsesOrdinaryDocuments) {
  auto doc = ParseJson(R"({"a": [1, 2.5, "x", true, null], "b": {"c": "é"}})");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ((*doc)["b"]["c"], "é");
}

TEST(JsonTest, RefusesSyntaxErrorsWithAPosition) {
  auto doc = ParseJson(R"({"a": })");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(doc.error().message.find("column"), std::string::npos) << doc.error().message;
}

TEST(JsonTest, RefusesDuplicateKeys) {
  auto doc = ParseJson(R"({"a": 1, "b": {"x": 1, "x": 2}})");
  ASSERT_FALSE(doc);
  EXPECT_NE(doc.error().message.find("duplicate"), std::string::npos);
  EXPECT_TRUE(ParseJson(R"([{"x": 1}, {"x": 2}])"));  // the same key in sibling objects is fine
}

TEST(JsonTest, RefusesInvalidUtf8AndLoneSurrogates) {
  for (std::string bad : {std::string("{\"a\": \"\xff\"}"), std::string("{\"a\": \"\xc3\"}"),
                          std::string("{\"a\": \"\xed\xa0\x80\"}"), std::string(R"({"a": "\ud800"})"),
                          std::string(R"({"a": "\udc00x"})"), std::string("{\"\xfe\": 1}")}) {
    EXPECT_FALSE(ParseJson(bad)) << bad;
  }
  EXPECT_TRUE(ParseJson(R"({"a": "\ud83d\ude00"})"));  // a valid surrogate pair
}

TEST(JsonTest, RefusesDeepNestingBeforeParsing) {
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  auto doc = ParseJson(deep);
  ASSERT_FALSE(doc);
  EXPECT_NE(doc.error().message.find("nesting"), std::string::npos);
  const std::string ok = std::string(64, '[') + std::string(64, ']');
  EXPECT_TRUE(ParseJson(ok));
  // Brackets inside strings do not count.
  EXPECT_TRUE(ParseJson("\"" + std::string(1000, '[') + "\""));
}

TEST(JsonTest, RefusesNumbersThatOverflowADouble) {
  EXPECT_FALSE(ParseJson(R"({"a": 1e400})"));
  EXPECT_FALSE(ParseJson(R"([-1e999])"));
  EXPECT_TRUE(ParseJson(R"([1e308, 123456789012345678901234567890])"));
}

TEST(JsonTest, BuildsPathsFromTheRoot) {
  EXPECT_EQ(JoinPath("", "parameters"), "parameters");
  EXPECT_EQ(JoinPath(JoinPath(JoinPath("", "parameters"), 3), "rules"), "parameters[3].rules");
}

}  // namespace
}  // namespace aurora::engine

namespace aurora::engine {
namespace {

TEST(JsonTest, ReadsMinusZeroAsTheNegativeDouble) {
  auto doc = ParseJson(R"({"a": -0, "b": [-0], "c": "-0", "d": -0.0, "e": -0e1, "f": 0})");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_TRUE(std::signbit((*doc)["a"].get<double>()));
  EXPECT_TRUE(std::signbit((*doc)["b"][0].get<double>()));
  EXPECT_EQ((*doc)["c"], "-0");
  EXPECT_TRUE(std::signbit((*doc)["d"].get<double>()));
  EXPECT_FALSE(std::signbit((*doc)["f"].get<double>()));
  EXPECT_FALSE(ParseJson("[-01]"));
}

}  // namespace
}  // namespace aurora::engine

namespace aurora::engine {
namespace {

TEST(JsonTest, ReadsANegativeZeroExponentAsAnExponent) {
  auto doc = ParseJson("[1e-0, 0e-0, 2E-00]");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->dump(), "[1.0,0.0,2.0]");
}

// JsonDocument applies ParseJson's rules; the snapshot fuzzer compares the two on every input.
TEST(JsonDocumentTest, RefusesWhatParseJsonRefuses) {
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  for (std::string bad :
       {std::string(R"({"a": })"), std::string(R"({"a": 1, "b": {"x": 1, "x": 2}})"),
        std::string("{\"a\": \"\xff\"}"), std::string("{\"a\": \"\xc3\"}"),
        std::string("{\"a\": \"\xed\xa0\x80\"}"), std::string(R"({"a": "\ud800"})"),
        std::string(R"({"a": "\udc00x"})"), std::string("{\"\xfe\": 1}"), deep,
        std::string(R"({"a": 1e400})"), std::string(R"([-1e999])"), std::string("[-01]"),
        std::string("[1,]"), std::string("[1] 2"), std::string(""), std::string("nul"),
        std::string("\"a\tb\""), std::string("[.5]"), std::string("[1.]"), std::string("[+1]")}) {
    EXPECT_FALSE(ParseJson(bad)) << bad;
    EXPECT_FALSE(JsonDocument::Parse(bad)) << bad;
  }
}

TEST(JsonDocumentTest, RefusesADuplicateKeyInALargeObject) {
  std::string text = "{";
  for (int i = 0; i < 100; ++i) text += "\"k" + std::to_string(i) + "\": 1, ";
  auto doc = JsonDocument::Parse(text + "\"k7\": 2}");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().message, "duplicate object key \"k7\"");
  EXPECT_TRUE(JsonDocument::Parse(text + "\"k100\": 2}"));
}

TEST(JsonDocumentTest, ReadsValuesWithParseJsonsTypes) {
  const std::string text =
      R"({"a": -0, "b": [-0, 0, 7, -7, 1.5, 1e-400, 123456789012345678901234567890],)"
      R"( "c": "\u00e9\ud83d\ude00\n", "d": {"y": null, "x": [true, false]}, "e": -0.0})";
  auto doc = JsonDocument::Parse(text);
  ASSERT_TRUE(doc) << doc.error().message;
  const nlohmann::json expected = *ParseJson(text);
  const nlohmann::json got = doc->Root().ToJson();
  EXPECT_EQ(got.dump(), expected.dump());
  EXPECT_TRUE(std::signbit(got["a"].get<double>()));
  EXPECT_EQ(got["b"][1].type(), nlohmann::json::value_t::number_unsigned);
  EXPECT_EQ(got["b"][3].type(), nlohmann::json::value_t::number_integer);
  EXPECT_EQ(got["b"][6].type(), nlohmann::json::value_t::number_float);
  const auto d = doc->Root().Find("d");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->size(), 2u);
  EXPECT_FALSE(doc->Root().Find("z"));
}

TEST(JsonDocumentTest, NamesPathsLikeJoinPath) {
  const JsonPath root;
  const JsonPath parameters(root, "parameters");
  const JsonPath third(parameters, 3);
  const JsonPath rules(third, "rules");
  EXPECT_EQ(root.ToString(), "");
  EXPECT_EQ(JsonPath(rules, "value").ToString(), "parameters[3].rules.value");
}

}  // namespace
}  // namespace aurora::engine
