// Runs the real `aurora` binary, as a user would from a shell (SPEC §8).

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "stats/gbstats_cases.hpp"
#include "support/evaluation_cases.hpp"

namespace aurora::cli {
namespace {

struct CliRun {
  int exit_code;
  std::string out;
};

CliRun Aurora(const std::string& args) {
  const std::string command = std::string(AURORA_CLI_PATH) + " " + args + " 2>&1";
  FILE* p = popen(command.c_str(), "r");
  CliRun r{-1, {}};
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string TempFile(const std::string& name, const std::string& content) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << content;
  return path;
}

TEST(CliTest, HashPrintsH1AndBucket) {
  EXPECT_EQ(Aurora("hash hello").out, "h1=cbd8a7b341bd9b02 bucket=2306\n");
  EXPECT_EQ(Aurora("hash 'hello, world'").out, "h1=342fac623a5ebc8e bucket=3166\n");
  EXPECT_EQ(Aurora("hash experiment:hash:b7fb8970-3fe7-49a7-9b3a-f670a7ae7641:user_12345").out,
            "h1=307cec68a8ced182 bucket=2530\n");
  EXPECT_EQ(Aurora("hash").exit_code, 64);
}

TEST(CliTest, EvalBatchReproducesEveryTestdataCase) {
  std::size_t checked = 0;
  for (const auto& file : testing::EvaluationCaseFiles()) {
    SCOPED_TRACE(file.filename().string());
    const auto doc = testing::ReadJsonFile(file);
    const std::string snapshot = TempFile("cli_snapshot.json", doc.at("snapshot").dump());
    std::string lines;
    std::vector<nlohmann::json> expected;
    for (const auto& c : doc.at("cases")) {
      nlohmann::json line = {{"parameter", c.at("parameter")},
                             {"attributes", c.value("attributes", nlohmann::json::object())}};
      if (c.contains("now")) line["now"] = c["now"];
      lines += line.dump() + "\n";
      expected.push_back(c.at("expect"));
    }
    const std::string cases = TempFile("cli_cases.jsonl", lines);
    const CliRun r = Aurora("eval --snapshot " + snapshot + " --cases " + cases);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    std::istringstream out(r.out);
    std::string line;
    std::size_t i = 0;
    while (std::getline(out, line)) {
      ASSERT_LT(i, expected.size());
      EXPECT_EQ(testing::ComparableResult(nlohmann::json::parse(line)), expected[i]) << doc["cases"][i]["name"];
      ++i;
      ++checked;
    }
    EXPECT_EQ(i, expected.size());
  }
  EXPECT_GE(checked, 100u);
}

TEST(CliTest, EvalSinglePrintsTheFullResultObject) {
  const std::string snapshot = TempFile("cli_single.json", R"({"formatVersion":1,"revision":1,
    "attributes":[{"name":"country","dataType":"string"}],
    "parameters":[{"name":"p","dataType":"string","defaultValue":"d","rules":[
      {"id":"r1","type":"attribute","conditions":[{"attribute":"country","operator":"equals","value":"US"}],"value":"us"}]}]})");
  CliRun r = Aurora("eval --snapshot " + snapshot + " --parameter p --attributes '{\"country\":\"US\"}'");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(r.out),
            nlohmann::json::parse(R"({"parameter":"p","value":"us","dataType":"string","source":"rule","reason":"rule","ruleId":"r1"})"));
  r = Aurora("eval --snapshot " + snapshot + " --parameter missing --attributes '{}'");
  EXPECT_EQ(r.exit_code, 1);  // printed, and failed
  EXPECT_EQ(nlohmann::json::parse(r.out)["error"]["code"], "not_found");
}

TEST(CliTest, HelpAndVersionAreAnsweredNotTakenAsInput) {
  CliRun r = Aurora("hash --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("usage: aurora hash KEY"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("h1="), std::string::npos) << r.out;
  r = Aurora("hash -- --help");  // a key that really starts with dashes
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("h1="), std::string::npos) << r.out;
  EXPECT_EQ(Aurora("hash --bogus").exit_code, 64);
  for (const char* args : {"--version", "version", "eval --version", "hash --version", "stats --version"}) {
    r = Aurora(args);
    EXPECT_EQ(r.exit_code, 0) << args;
    EXPECT_NE(r.out.find("aurora 0."), std::string::npos) << args << ": " << r.out;
  }
}

TEST(CliTest, EvalRefusesAnInvalidSnapshotWithExitTwoAndThePath) {
  const std::string snapshot = TempFile("cli_bad.json", R"({"formatVersion":1,"revision":1,
    "attributes":[{"name":"country","dataType":"string"}],
    "parameters":[{"name":"p","dataType":"string","defaultValue":"d","rules":[
      {"id":"r1","type":"attribute","conditions":[{"attribute":"country","operator":"in","value":"US"}],"value":"us"}]}]})");
  CliRun r = Aurora("eval --snapshot " + snapshot + " --parameter p --attributes '{}'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("parameters[0].rules[0].conditions[0].value: operator in needs an array"), std::string::npos) << r.out;
  const std::string cases = TempFile("cli_cases2.jsonl", "{\"parameter\":\"p\"}\n");
  r = Aurora("eval --snapshot " + snapshot + " --cases " + cases);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("parameters[0].rules[0].conditions[0].value"), std::string::npos) << r.out;
}

TEST(CliTest, EvalBatchAnswersEveryLineEvenBadOnes) {
  const std::string snapshot = TempFile("cli_s3.json", R"({"formatVersion":1,"revision":1,
    "parameters":[{"name":"p","dataType":"number","defaultValue":3}]})");
  const std::string cases = TempFile("cli_cases3.jsonl", "{\"parameter\":\"p\"}\nnot json\n{\"parameter\":\"q\"}\n{\"parameter\":\"p\",\"now\":\"yesterday\"}\n");
  const CliRun r = Aurora("eval --snapshot " + snapshot + " --cases " + cases);
  ASSERT_EQ(r.exit_code, 0);
  std::istringstream out(r.out);
  std::string l1, l2, l3, l4;
  std::getline(out, l1);
  std::getline(out, l2);
  std::getline(out, l3);
  std::getline(out, l4);
  EXPECT_EQ(nlohmann::json::parse(l1)["value"], 3);
  EXPECT_EQ(nlohmann::json::parse(l2)["error"]["code"], "invalid_argument");
  EXPECT_EQ(nlohmann::json::parse(l3)["error"]["code"], "not_found");
  EXPECT_EQ(nlohmann::json::parse(l4)["error"]["code"], "invalid_argument");
}

TEST(CliTest, StatsCasesReproducesEveryGbstatsReferenceCase) {
  const auto cases = testing::LoadGbstatsCases();
  ASSERT_GE(cases.size(), 50u);
  std::string lines;
  for (const auto& c : cases) lines += c.input.dump() + "\n";
  // A malformed line answers with an error object and the next line is still read.
  lines += "not json\n{\"test\":\"frequentist\",\"metric\":\"mean\"}\n";
  // Non-finite numbers are printed as strings.
  lines += R"({"test":"srm","observed":[10],"weights":[1]})" "\n";
  lines += R"({"test":"frequentist","metric":"binomial","alternative":"greater",)"
           R"("control":{"n":1000,"sum":100},"treatment":{"n":1000,"sum":130}})" "\n";
  const CliRun r = Aurora("stats --cases " + TempFile("cli_stats.jsonl", lines));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::istringstream out(r.out);
  std::string line;
  std::size_t i = 0;
  for (; i < cases.size() && std::getline(out, line); ++i) {
    EXPECT_TRUE(testing::MatchesGbstats(nlohmann::json::parse(line), cases[i].expected))
        << cases[i].id << ": " << line;
  }
  EXPECT_EQ(i, cases.size());
  for (int bad = 0; bad < 2; ++bad) {
    ASSERT_TRUE(std::getline(out, line));
    EXPECT_EQ(nlohmann::json::parse(line)["error"]["code"], "invalid_argument") << line;
  }
  ASSERT_TRUE(std::getline(out, line));
  EXPECT_EQ(nlohmann::json::parse(line), nlohmann::json::parse(R"({"pValue":"NaN"})"));
  ASSERT_TRUE(std::getline(out, line));
  EXPECT_EQ(nlohmann::json::parse(line)["ci"][1], "Infinity") << line;
  EXPECT_FALSE(std::getline(out, line)) << line;
  EXPECT_EQ(Aurora("stats --cases /nonexistent/cases.jsonl").exit_code, 2);
  EXPECT_EQ(Aurora("stats").exit_code, 64);
  EXPECT_EQ(Aurora("stats --help").exit_code, 0);
}

TEST(CliTest, UnknownCommandsAndMissingArgumentsAreUsageErrors) {
  EXPECT_EQ(Aurora("frobnicate").exit_code, 64);
  EXPECT_EQ(Aurora("eval --snapshot").exit_code, 64);
  EXPECT_EQ(Aurora("eval --parameter p").exit_code, 64);
  EXPECT_EQ(Aurora("eval --snapshot /nonexistent --parameter p").exit_code, 2);
}

}  // namespace
}  // namespace aurora::cli
