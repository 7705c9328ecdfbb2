// Runs every evaluation case file of tests/engine/testdata/ (see its README) against the engine.

#include <gtest/gtest.h>

#include "engine/codec/evaluation_codec.hpp"
#include "engine/compiled_snapshot.hpp"
#include "engine/evaluator.hpp"
#include "support/evaluation_cases.hpp"

namespace aurora::engine {
namespace {

TEST(EvaluationCasesTest, EveryCaseFileEvaluatesAsExpected) {
  const auto files = testing::EvaluationCaseFiles();
  ASSERT_GE(files.size(), 8u) << "testdata case files are missing";
  std::size_t total = 0;
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    const nlohmann::json doc = testing::ReadJsonFile(file);
    auto snapshot = LoadSnapshot(doc.at("snapshot").dump());
    ASSERT_TRUE(snapshot) << snapshot.error().ToString();
    for (const auto& c : doc.at("cases")) {
      SCOPED_TRACE(c.at("name").get<std::string>());
      auto attributes = AttributesFromJson(c.value("attributes", nlohmann::json::object()));
      ASSERT_TRUE(attributes);
      const auto now = testing::CaseTime(c);
      const std::string parameter = c.at("parameter").get<std::string>();
      const Evaluation e = Evaluate(**snapshot, parameter, *attributes, now);
      EXPECT_EQ(testing::ComparableResult(nlohmann::json::parse(EvaluationToJsonText(parameter, e))),
                c.at("expect"));
      ++total;
    }
  }
  EXPECT_GE(total, 100u);
}

}  // namespace
}  // namespace aurora::engine
