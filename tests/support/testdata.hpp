#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace aurora::testing {

/// Reads a whole file; empty when it cannot be read (tests then fail on the content).
inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline nlohmann::json ReadJsonFile(const std::filesystem::path& path) {
  return nlohmann::json::parse(ReadFile(path));
}

}  // namespace aurora::testing
