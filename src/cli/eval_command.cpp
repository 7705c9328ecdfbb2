#include "cli/commands.hpp"

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/case_lines.hpp"
#include "engine/codec/evaluation_codec.hpp"
#include "engine/codec/json.hpp"
#include "engine/compiled_snapshot.hpp"
#include "engine/evaluator.hpp"

namespace aurora::cli {
namespace {

constexpr const char* kUsage =
    "usage: aurora eval --snapshot FILE --parameter NAME --attributes JSON [--now RFC3339]\n"
    "       aurora eval --snapshot FILE --cases FILE\n";

bool ReadFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  out = buf.str();
  return true;
}

engine::Timestamp Now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

// One evaluation request: {"parameter", "attributes", "now"?} → one output line.
std::string EvaluateCase(const engine::CompiledSnapshot& snapshot, const std::string& parameter,
                         const nlohmann::json& attributes_json, const std::string* now_text) {
  auto attributes = engine::AttributesFromJson(attributes_json);
  if (!attributes) return ErrorLine("invalid_argument", attributes.error().ToString());
  engine::Timestamp now = Now();
  if (now_text != nullptr) {
    const auto t = engine::ParseRfc3339(*now_text);
    if (!t) return ErrorLine("invalid_argument", "now: must be an RFC 3339 date-time");
    now = *t;
  }
  return engine::EvaluationToJsonText(parameter, engine::Evaluate(snapshot, parameter, *attributes, now));
}

}  // namespace

int RunEval(const std::vector<std::string>& args) {
  std::string snapshot_path, parameter, attributes_text, now_text, cases_path;
  bool has_parameter = false, has_attributes = false, has_now = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    bool ok = true;
    if (a == "--snapshot") ok = value(snapshot_path);
    else if (a == "--parameter") ok = has_parameter = value(parameter);
    else if (a == "--attributes") ok = has_attributes = value(attributes_text);
    else if (a == "--now") ok = has_now = value(now_text);
    else if (a == "--cases") ok = value(cases_path);
    else if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "aurora eval: unknown argument " << a << "\n" << kUsage;
      return 64;
    }
    if (!ok) {
      std::cerr << "aurora eval: " << a << " needs a value\n" << kUsage;
      return 64;
    }
  }
  if (snapshot_path.empty() || (cases_path.empty() && !has_parameter)) {
    std::cerr << kUsage;
    return 64;
  }
  std::string text;
  if (!ReadFile(snapshot_path, text)) {
    std::cerr << "aurora eval: cannot read " << snapshot_path << "\n";
    return 2;
  }
  auto snapshot = engine::LoadSnapshot(text);
  if (!snapshot) {
    std::cerr << "aurora eval: invalid snapshot " << snapshot_path << ": " << snapshot.error().ToString() << "\n";
    return 2;
  }

  if (cases_path.empty()) {
    auto attributes = engine::ParseJson(has_attributes ? attributes_text : "{}");
    if (!attributes) {
      std::cout << ErrorLine("invalid_argument", "attributes: " + attributes.error().message) << "\n";
      return 1;
    }
    const std::string line = EvaluateCase(**snapshot, parameter, *attributes, has_now ? &now_text : nullptr);
    std::cout << line << "\n";
    // The answer is printed either way; an error (unknown parameter, bad attributes) also fails the command.
    const auto parsed = nlohmann::json::parse(line, nullptr, false);
    return parsed.is_object() && parsed.contains("error") ? 1 : 0;
  }

  return RunCaseLines("eval", cases_path, [&](const nlohmann::json& doc) {
    const auto p = doc.find("parameter");
    if (p == doc.end() || !p->is_string()) return ErrorLine("invalid_argument", "parameter: must be a string");
    const auto attrs = doc.find("attributes");
    const nlohmann::json empty = nlohmann::json::object();
    const auto now = doc.find("now");
    std::string now_value;
    if (now != doc.end() && !now->is_null()) {
      if (!now->is_string()) return ErrorLine("invalid_argument", "now: must be an RFC 3339 date-time");
      now_value = now->get<std::string>();
    }
    return EvaluateCase(**snapshot, p->get<std::string>(), attrs == doc.end() ? empty : *attrs,
                        now_value.empty() ? nullptr : &now_value);
  });
}

}  // namespace aurora::cli
