#include "cli/case_lines.hpp"

#include <fstream>
#include <iostream>

#include "engine/codec/json.hpp"

namespace aurora::cli {

std::string ErrorLine(std::string_view code, const std::string& message) {
  return nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int RunCaseLines(std::string_view command, const std::string& path,
                 const std::function<std::string(const nlohmann::json&)>& run) {
  std::ifstream cases(path);
  if (!cases) {
    std::cerr << "aurora " << command << ": cannot read " << path << "\n";
    return 2;
  }
  std::string line;
  while (std::getline(cases, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank lines
    auto doc = engine::ParseJson(line);
    if (!doc || !doc->is_object()) {
      std::cout << ErrorLine("invalid_argument", doc ? "a case must be a JSON object" : doc.error().message) << "\n";
      continue;
    }
    std::cout << run(*doc) << "\n";
  }
  return 0;
}

}  // namespace aurora::cli
