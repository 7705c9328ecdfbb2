#include <cinttypes>
#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"
#include "engine/bucketing.hpp"

namespace aurora::cli {

int RunHash(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::cerr << "usage: aurora hash KEY\n";
    return 64;
  }
  const std::uint64_t h1 = engine::HashH1(args[0]);
  std::printf("h1=%016" PRIx64 " bucket=%" PRIu64 "\n", h1, h1 % engine::kBucketCount);
  return 0;
}

}  // namespace aurora::cli
