#pragma once

#include <string>
#include <vector>

namespace aurora::cli {

// Each command takes the arguments after its name and returns the process exit code:
// 0 success, 2 invalid input data, 64 usage error.
int RunEval(const std::vector<std::string>& args);
int RunHash(const std::vector<std::string>& args);
int RunMigrate(std::vector<std::string> args);
int RunServer(const std::vector<std::string>& args, const char* argv0);
int RunStats(const std::vector<std::string>& args);
/// `aurora parameters|segments|attributes|experiments list|get|set|delete` through the API.
int RunResource(const std::string& plural, const std::vector<std::string>& args);

}  // namespace aurora::cli
