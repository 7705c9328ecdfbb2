#include <cinttypes>
#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"
#include "engine/bucketing.hpp"

namespace aurora::cli {

int RunHash(const std::vector<std::string>& all_args) {
  constexpr const char* kUsage =
      "usage: aurora hash KEY\n"
      "Prints the MurmurHash3 h1 of KEY and its bucket (0..9999), as the engine buckets it.\n"
      "A key that starts with '-' follows --: aurora hash -- --my-key\n";
  std::vector<std::string> args = all_args;
  if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
    std::cout << kUsage;
    return 0;
  }
  if (!args.empty() && args[0] == "--") args.erase(args.begin());
  if (args.size() != 1 || (all_args[0] != "--" && args[0].starts_with("-"))) {
    std::cerr << kUsage;
    return 64;
  }
  const std::uint64_t h1 = engine::HashH1(args[0]);
  std::printf("h1=%016" PRIx64 " bucket=%" PRIu64 "\n", h1, h1 % engine::kBucketCount);
  return 0;
}

}  // namespace aurora::cli
