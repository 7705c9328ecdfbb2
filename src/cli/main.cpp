#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"

namespace {

constexpr const char* kUsage =
    "usage: aurora <command> [args]\n"
    "commands:\n"
    "  eval   evaluate a parameter against a snapshot file (aurora eval --help)\n"
    "  hash   print the MurmurHash3 h1 and bucket of a key\n"
    "  migrate up|down|down-all|version|create NAME   manage the database schema\n"
    "  server [--config FILE]   run aurora-server\n"
    "  keys list | create NAME admin|sdk | revoke ID   manage API keys on the database directly\n"
    "  users list | create EMAIL ROLE | disable EMAIL | enable EMAIL | reset-password EMAIL\n"
    "         manage user accounts on the database directly (passwords are read from stdin)\n"
    "  stats --cases FILE   run experiment statistics cases (aurora stats --help)\n"
    "  parameters|segments|attributes|experiments list|get|set|delete\n"
    "         manage resources by name through the API (--server, --key; aurora parameters --help)\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 64;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  // --version anywhere before a "--" (aurora --version, aurora eval --version, ...).
  for (int i = 1; i < argc && std::string(argv[i]) != "--"; ++i) {
    if (std::string(argv[i]) == "--version" || (i == 1 && std::string(argv[i]) == "version")) {
      std::cout << "aurora " << AURORA_VERSION << "\n";
      return 0;
    }
  }
  try {
    if (command == "eval") return aurora::cli::RunEval(args);
    if (command == "hash") return aurora::cli::RunHash(args);
    if (command == "migrate") return aurora::cli::RunMigrate(args);
    if (command == "server") return aurora::cli::RunServer(args, argv[0]);
    if (command == "stats") return aurora::cli::RunStats(args);
    if (command == "parameters" || command == "segments" || command == "attributes" || command == "experiments") {
      return aurora::cli::RunResource(command, args);
    }
    if (command == "keys" || command == "users") {
      std::vector<std::string> with_command = {command};
      with_command.insert(with_command.end(), args.begin(), args.end());
      return aurora::cli::RunServer(with_command, argv[0]);
    }
    if (command == "-h" || command == "--help" || command == "help") {
      std::cout << kUsage;
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "aurora: internal error: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "aurora: unknown command " << command << "\n" << kUsage;
  return 64;
}
