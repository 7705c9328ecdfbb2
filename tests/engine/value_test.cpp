#include "aurora/value.hpp"

#include <gtest/gtest.h>

#include "aurora/attributes.hpp"
#include "aurora/evaluation.hpp"
#include "engine/codec/json.hpp"

namespace aurora {
namespace {

TEST(ValueTest, TypedAccessReturnsTheValueOnlyForItsType) {
  const Value s = Value::String("hi");
  EXPECT_EQ(s.AsString("d"), "hi");
  EXPECT_EQ(s.AsInt(7), 7);
  EXPECT_EQ(s.AsDouble(1.5), 1.5);
  EXPECT_TRUE(s.AsBool(true));
  EXPECT_EQ(s.Json(), "\"hi\"");

  const Value b = Value::Bool(false);
  EXPECT_FALSE(b.AsBool(true));
  EXPECT_EQ(b.AsString("d"), "d");
  EXPECT_EQ(b.Json(), "false");
}

TEST(ValueTest, AsIntTakesOnlyIntegralNumbersThatFit) {
  EXPECT_EQ(Value::Number(42).AsInt(0), 42);
  EXPECT_EQ(Value::Number(-3).AsInt(0), -3);
  EXPECT_EQ(Value::Number(2.5).AsInt(9), 9);
  EXPECT_EQ(Value::Number(1e19).AsInt(9), 9);
  EXPECT_EQ(Value::Number(-9223372036854775808.0).AsInt(9), INT64_MIN);
  EXPECT_EQ(Value::Number(9223372036854775808.0).AsInt(9), 9);
  EXPECT_EQ(Value::Number(2.5).AsDouble(0), 2.5);
}

TEST(ValueTest, JsonTextIsCanonical) {
  EXPECT_EQ(Value::Number(10).Json(), "10");
  EXPECT_EQ(Value::Number(0.1).Json(), "0.1");
  EXPECT_EQ(Value::String("a\"b\n").Json(), "\"a\\\"b\\n\"");
  EXPECT_EQ(Value().Json(), "null");
  const Value obj = engine::ToValue(nlohmann::json::parse(R"({"b":[1,2],"a":null})"));
  EXPECT_EQ(obj.kind(), Value::Kind::kObject);
  EXPECT_EQ(obj.Json(), R"({"a":null,"b":[1,2]})");
  EXPECT_EQ(obj.AsString("d"), "d");
}

TEST(ValueTest, EvaluationGivesTheDefaultOnError) {
  Evaluation e;
  e.error = EvaluationError::kParameterNotFound;
  EXPECT_EQ(e.AsString("d"), "d");
  EXPECT_EQ(e.AsInt(3), 3);
  EXPECT_EQ(e.AsJson("{}"), "{}");
  const Value v = Value::Number(5);
  Evaluation ok;
  ok.value = &v;
  EXPECT_EQ(ok.AsInt(3), 5);
  EXPECT_EQ(ok.AsJson("{}"), "5");
}

TEST(AttributesTest, SettingANameAgainReplacesIt) {
  auto attrs = Attributes().SetString("country", "US").SetNumber("age", 28).SetString("country", "CA");
  ASSERT_EQ(attrs.size(), 2u);
  ASSERT_NE(attrs.Find("country"), nullptr);
  EXPECT_EQ(attrs.Find("country")->string_value, "CA");
  EXPECT_EQ(attrs.Find("age")->number_value, 28);
  EXPECT_EQ(attrs.Find("missing"), nullptr);
  attrs.SetBool("age", true);
  EXPECT_EQ(attrs.Find("age")->kind, AttributeValue::Kind::kBool);
}

}  // namespace
}  // namespace aurora
