#pragma once

#include <string>
#include <vector>

namespace aurora::server {

/// Runs aurora-server with command-line arguments (after the program name): loads the
/// configuration, opens and migrates the database, serves until SIGTERM or SIGINT, then stops
/// gracefully. Returns the process exit code (0, or 2 for a configuration or startup error).
int RunServer(const std::vector<std::string>& args);

}  // namespace aurora::server
