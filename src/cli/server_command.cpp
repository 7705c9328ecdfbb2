#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"

namespace aurora::cli {

// `aurora server` runs the aurora-server binary installed beside this one, so the CLI needs
// no link dependency on the server (docs/architecture.md).
int RunServer(const std::vector<std::string>& args, const char* argv0) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) self = argv0;
  std::vector<std::filesystem::path> candidates = {self.parent_path() / "aurora-server",
                                                   self.parent_path().parent_path() / "server" / "aurora-server"};
  for (const auto& candidate : candidates) {
    if (!std::filesystem::exists(candidate)) continue;
    std::vector<std::string> storage = {candidate.string()};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : storage) argv.push_back(s.data());
    argv.push_back(nullptr);
    execv(candidate.c_str(), argv.data());
    std::cerr << "aurora server: cannot run " << candidate << "\n";
    return 1;
  }
  std::cerr << "aurora server: aurora-server was not found next to " << self << "\n";
  return 1;
}

}  // namespace aurora::cli
