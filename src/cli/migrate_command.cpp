#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "server/config/config.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace aurora::cli {
namespace {

constexpr const char* kUsage =
    "usage: aurora migrate up|down|down-all|version [--config FILE]\n"
    "       aurora migrate create NAME [--dir migrations]\n"
    "The database comes from the configuration (config.yaml, --config, DATABASE_* variables).\n";

}  // namespace

Result<std::unique_ptr<store::Database>> OpenConfiguredDatabase(const std::string& config_path) {
  const auto env = server::ProcessEnvironment();
  auto config = config_path.empty() ? server::LoadConfig("", env) : server::LoadConfigFile(config_path, env);
  if (!config) return std::move(config).error();
  if (config->database.driver == server::DatabaseDriver::kSqlite) return store::OpenSqlite(config->database.path);
  return store::OpenPostgres(config->PostgresDsn(), 2);
}

std::string ConfigPathFrom(std::vector<std::string>& args) {
  std::string path;
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--config") {
      path = args[i + 1];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i), args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
      break;
    }
  }
  if (path.empty() && std::ifstream("config.yaml").good()) path = "config.yaml";
  return path;
}

int RunMigrate(std::vector<std::string> args) {
  const std::string config_path = ConfigPathFrom(args);
  if (args.empty()) {
    std::cerr << kUsage;
    return 64;
  }
  const std::string& verb = args[0];
  if (verb == "create") {
    if (args.size() < 2) {
      std::cerr << kUsage;
      return 64;
    }
    std::string dir = "migrations";
    if (args.size() == 4 && args[2] == "--dir") dir = args[3];
    auto created = store::CreateMigrationFiles(dir, args[1]);
    if (!created) {
      std::cerr << "aurora migrate: " << created.error().message << "\n";
      return 2;
    }
    for (const auto& f : *created) std::cout << "created " << f << "\n";
    std::cout << "rebuild to embed the new migration into aurora-server\n";
    return 0;
  }
  if (args.size() != 1 || (verb != "up" && verb != "down" && verb != "down-all" && verb != "version")) {
    std::cerr << kUsage;
    return 64;
  }
  auto db = OpenConfiguredDatabase(config_path);
  if (!db) {
    std::cerr << "aurora migrate: " << db.error().ToString() << "\n";
    return 2;
  }
  store::Migrator migrator(**db);
  if (verb == "up") {
    auto applied = migrator.Up();
    if (!applied) {
      std::cerr << "aurora migrate: " << applied.error().message << "\n";
      return 1;
    }
    if (applied->empty()) std::cout << "already at version " << migrator.Latest() << "\n";
    for (auto v : *applied) std::cout << "applied " << v << "\n";
  } else if (verb == "down") {
    auto reverted = migrator.Down();
    if (!reverted) {
      std::cerr << "aurora migrate: " << reverted.error().message << "\n";
      return 1;
    }
    std::cout << (*reverted == 0 ? std::string("nothing to revert") : "reverted " + std::to_string(*reverted)) << "\n";
  } else if (verb == "down-all") {
    auto reverted = migrator.DownAll();
    if (!reverted) {
      std::cerr << "aurora migrate: " << reverted.error().message << "\n";
      return 1;
    }
    for (auto v : *reverted) std::cout << "reverted " << v << "\n";
  } else {
    auto version = migrator.Version();
    if (!version) {
      std::cerr << "aurora migrate: " << version.error().message << "\n";
      return 1;
    }
    std::cout << "version " << *version << " (latest known " << migrator.Latest() << ")\n";
  }
  return 0;
}

}  // namespace aurora::cli
