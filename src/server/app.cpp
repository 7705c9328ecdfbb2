#include "server/app.hpp"

#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>

#include "server/api/auth.hpp"
#include "server/api/metrics.hpp"
#include "server/api/routes.hpp"
#include "server/background_jobs.hpp"
#include "server/config/config.hpp"
#include "server/http/http_server.hpp"
#include "server/http/router.hpp"
#include "server/log.hpp"
#include "server/services/key_service.hpp"
#include "server/services/resource_service.hpp"
#include "server/services/oidc_service.hpp"
#include "server/services/snapshot_service.hpp"
#include "server/services/user_service.hpp"
#include "store/database.hpp"
#include "store/environments.hpp"
#include "store/migrations.hpp"
#include "store/notifications.hpp"

namespace aurora::server {
namespace {

constexpr const char* kUsage =
    "usage: aurora-server [--config FILE]\n"
    "       aurora-server keys list | create NAME admin|sdk [--environment ENV] | revoke ID [--config FILE]\n"
    "       aurora-server users list | create EMAIL ROLE [--name NAME] | disable EMAIL | enable EMAIL |\n"
    "                           reset-password EMAIL [--config FILE]\n"
    "Serves the Aurora API. Without --config, ./config.yaml is read when it exists; every key\n"
    "can be overridden by environment variables (SERVICE_PORT, DATABASE_DRIVER, ...).\n";

// Whether `address` only reaches this host: 127.0.0.0/8, ::1 or localhost.
bool IsLoopback(const std::string& address) {
  return address.starts_with("127.") || address == "::1" || address == "[::1]" || address == "localhost";
}

// The migrated database, for the administration commands; nullptr (after a message) on failure.
// It names the database it uses, and never creates a SQLite file: a command run in the wrong
// directory must not mint keys or users for an empty database nobody serves.
std::unique_ptr<store::Database> OpenForCommand(const Config& config, const std::string& who) {
  if (config.database.driver == DatabaseDriver::kSqlite) {
    std::error_code ec;
    const auto path = std::filesystem::absolute(config.database.path, ec);
    if (!std::filesystem::is_regular_file(config.database.path, ec)) {
      std::cerr << who << ": no database at " << (ec ? config.database.path : path.string())
                << " (database.path / DATABASE_PATH, or --config FILE; the server creates it at its first start)\n";
      return nullptr;
    }
    std::cerr << who << ": using SQLite database " << path.string() << "\n";
  } else {
    // Never the URL itself: it may hold a password.
    std::cerr << who << ": using PostgreSQL database "
              << (config.database.url.empty() ? config.database.host + "/" + config.database.dbname
                                              : std::string("of database.url"))
              << "\n";
  }
  Result<std::unique_ptr<store::Database>> db =
      config.database.driver == DatabaseDriver::kSqlite ? store::OpenSqlite(config.database.path)
                                                         : store::OpenPostgres(config.PostgresDsn(), 2);
  if (!db) {
    std::cerr << who << ": " << db.error().message << "\n";
    return nullptr;
  }
  store::Migrator migrator(**db);
  if (auto up = migrator.Up(); !up) {
    std::cerr << who << ": " << up.error().message << "\n";
    return nullptr;
  }
  return std::move(*db);
}

// One line of stdin; on a terminal, prompted for with echo off.
std::string ReadSecretLine(const std::string& prompt) {
  const bool tty = isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (tty) {
    std::cerr << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// `aurora-server users ...`: user administration straight on the database, for the first admin
// on a headless machine and for recovery (a forgotten password, no admin left). `aurora users`
// runs this.
int RunUsers(std::vector<std::string> args, const Config& config) {
  constexpr const char* kUsersUsage =
      "usage: aurora users list | create EMAIL viewer|editor|admin [--name NAME] | disable EMAIL | enable EMAIL |\n"
      "                    reset-password EMAIL [--config FILE]\n"
      "create and reset-password read the password (at least 10 characters) from stdin.\n";
  std::string name;
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--name") {
      name = args[i + 1];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i), args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
      break;
    }
  }
  auto db = OpenForCommand(config, "aurora users");
  if (!db) return 2;
  SystemClock clock;
  UserService users(*db, clock);
  const std::string actor = "cli";
  const auto fail = [](const Error& e) {
    std::cerr << "aurora users: " << e.ToString() << "\n";
    return 1;
  };
  if (args.size() == 1 && args[0] == "list") {
    std::string cursor;
    do {
      auto page = users.List(cursor, 1000);
      if (!page) return fail(page.error());
      for (const auto& u : page->items) {
        std::cout << u["id"] << "\t" << u["role"].get<std::string>() << "\t"
                  << (u["disabled"].get<bool>() ? "disabled" : "active") << "\t" << u["email"].get<std::string>()
                  << "\t" << u["name"].get<std::string>() << "\n";
      }
      cursor = page->next_cursor.value_or("");
    } while (!cursor.empty());
    return 0;
  }
  if (args.size() == 3 && args[0] == "create") {
    const std::string password = ReadSecretLine("Password for " + args[1] + ": ");
    auto created = users.Create({{"email", args[1]}, {"name", name}, {"role", args[2]}, {"password", password}}, actor);
    if (!created) return fail(created.error());
    std::cout << "created user " << (*created)["id"] << " " << (*created)["email"].get<std::string>() << " ("
              << args[2] << ")\n";
    return 0;
  }
  if (args.size() == 2 && (args[0] == "disable" || args[0] == "enable" || args[0] == "reset-password")) {
    auto user = users.GetByEmail(args[1]);
    if (!user) return fail(user.error());
    nlohmann::json change;
    if (args[0] == "reset-password") {
      change["password"] = ReadSecretLine("New password for " + args[1] + ": ");
    } else {
      change["disabled"] = args[0] == "disable";
    }
    auto updated = users.Update((*user)["id"].get<std::int64_t>(), change, std::nullopt, actor);
    if (!updated) return fail(updated.error());
    std::cout << (args[0] == "reset-password" ? "password reset for " : args[0] + "d ") << args[1]
              << (args[0] == "enable" ? "" : "; their sessions are signed out") << "\n";
    return 0;
  }
  std::cerr << kUsersUsage;
  return 64;
}

// `aurora-server keys list|create NAME admin|sdk|revoke ID`: key administration straight on
// the database, for recovery when no admin key is at hand. `aurora keys` runs this.
int RunKeys(std::vector<std::string> args, const Config& config) {
  constexpr const char* kKeysUsage =
      "usage: aurora keys list | create NAME admin|sdk [--environment ENV] | revoke ID [--config FILE]\n";
  std::string environment;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--environment" && i + 1 < args.size()) {
      environment = args[i + 1];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i), args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
      break;
    }
  }
  auto db = OpenForCommand(config, "aurora keys");
  if (!db) return 2;
  SystemClock clock;
  KeyService keys(*db, clock, config.environments.default_environment);
  const std::string actor = "cli";
  if (args.size() == 1 && args[0] == "list") {
    auto list = keys.List();
    if (!list) {
      std::cerr << "aurora keys: " << list.error().message << "\n";
      return 1;
    }
    for (const auto& k : (*list)["items"]) {
      std::cout << k["id"] << "\t" << k["scope"].get<std::string>() << "\t" << k["prefix"].get<std::string>() << "…\t"
                << (k["revokedAt"].is_null() ? "active" : "revoked") << "\t"
                << (k["environment"].is_string() ? k["environment"].get<std::string>() : std::string("*")) << "\t"
                << k["name"].get<std::string>() << "\n";
    }
    return 0;
  }
  if (args.size() == 3 && args[0] == "create" && (args[2] == "admin" || args[2] == "sdk")) {
    auto created = keys.Create(args[1], args[2] == "admin" ? Scope::kAdmin : Scope::kSdk, actor, environment);
    if (!created) {
      std::cerr << "aurora keys: " << created.error().ToString() << "\n";
      return 1;
    }
    std::cout << "created key " << created->id << " (" << args[2]
              << (created->environment.empty() ? std::string() : ", environment " + created->environment)
              << "), shown only this once:\n"
              << created->secret << "\n";
    return 0;
  }
  if (args.size() == 2 && args[0] == "revoke") {
    std::int64_t id = 0;
    try {
      id = std::stoll(args[1]);
    } catch (const std::exception&) {
      std::cerr << kKeysUsage;
      return 64;
    }
    if (auto r = keys.Revoke(id, actor); !r) {
      std::cerr << "aurora keys: " << r.error().message << "\n";
      return 1;
    }
    std::cout << "revoked key " << id << "\n";
    return 0;
  }
  std::cerr << kKeysUsage;
  return 64;
}

}  // namespace

int RunServer(const std::vector<std::string>& all_args) {
  std::string config_path;
  std::vector<std::string> args = all_args;
  std::vector<std::string> keys_args;
  const bool keys_command = !args.empty() && (args[0] == "keys" || args[0] == "users");
  const bool users_command = keys_command && args[0] == "users";
  if (keys_command) {
    // Everything but --config belongs to the keys command.
    for (std::size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--config" && i + 1 < args.size()) {
        config_path = args[++i];
      } else {
        keys_args.push_back(args[i]);
      }
    }
    args.clear();
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) {
      config_path = args[++i];
    } else if (args[i] == "--version") {
      std::cout << "aurora-server " << AURORA_VERSION << "\n";
      return 0;
    } else if (args[i] == "-h" || args[i] == "--help") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "aurora-server: unknown argument " << args[i] << "\n" << kUsage;
      return 64;
    }
  }
  const auto env = ProcessEnvironment();
  if (config_path.empty() && std::filesystem::exists("config.yaml")) config_path = "config.yaml";
  auto config = config_path.empty() ? LoadConfig("", env) : LoadConfigFile(config_path, env);
  if (!config) {
    std::cerr << "aurora-server: " << config.error().ToString() << "\n";
    return 2;
  }
  if (users_command) return RunUsers(keys_args, *config);
  if (keys_command) return RunKeys(keys_args, *config);
  Logger log(config->logging.level, config->logging.format);
  if (!config->auth.enabled && !IsLoopback(config->service.bind)) {
    log.Error("refusing to serve the network without authentication",
              {{"service.bind", config->service.bind},
               {"fix", "set auth.enabled: true, or service.bind: 127.0.0.1 (SERVICE_BIND=127.0.0.1) for local development"}});
    return 2;
  }

  Result<std::unique_ptr<store::Database>> db =
      config->database.driver == DatabaseDriver::kSqlite
          ? store::OpenSqlite(config->database.path)
          : store::OpenPostgres(config->PostgresDsn(), config->database.max_connections);
  if (!db) {
    log.Error("cannot open the database", {{"error", db.error().message}});
    return 2;
  }
  store::Migrator migrator(**db);
  auto applied = migrator.Up();
  if (!applied) {
    log.Error("database migration failed", {{"error", applied.error().message}});
    return 2;
  }
  for (std::int64_t v : *applied) log.Info("applied migration", {{"version", std::to_string(v)}});

  const std::string& default_environment = config->environments.default_environment;
  {
    auto tx = (*db)->Begin(false);
    auto found = tx ? store::GetEnvironment(**tx, default_environment) : Result<std::optional<store::Environment>>(tx.error());
    if (!found || !*found) {
      log.Error("the default environment does not exist",
                {{"environments.default", default_environment},
                 {"error", found ? "create it through /api/v1/environments first, or choose an existing one"
                                 : found.error().message}});
      return 2;
    }
  }

  SystemClock clock;
  std::string setup_token;  // printed once listening, when no user exists yet
  KeyService keys(**db, clock, default_environment);
  if (auto started = keys.Start(); !started) {
    log.Error("cannot load API keys", {{"error", started.error().message}});
    return 2;
  }
  SessionPolicy session_policy;
  session_policy.idle = std::chrono::duration_cast<std::chrono::seconds>(config->auth.session_idle);
  session_policy.absolute = std::chrono::duration_cast<std::chrono::seconds>(config->auth.session_lifetime);
  session_policy.max_failures = config->auth.login_failure_limit;
  session_policy.failure_window = std::chrono::duration_cast<std::chrono::seconds>(config->auth.login_failure_window);
  UserService users(**db, clock, session_policy);
  OidcSettings oidc_settings;
  oidc_settings.issuer = config->oidc.issuer;
  oidc_settings.client_id = config->oidc.client_id;
  oidc_settings.client_secret = config->oidc.client_secret;
  oidc_settings.role_claim = config->oidc.role_claim;
  oidc_settings.scopes = config->oidc.scopes;
  oidc_settings.redirect_uri = config->server.public_url + "/api/v1/auth/oidc/callback";
  OidcService oidc(**db, clock, users, oidc_settings);
  if (config->auth.enabled) {
    auto token = users.IssueSetupTokenIfNoUser();
    if (!token) {
      log.Error("cannot create the setup token", {{"error", token.error().message}});
      return 2;
    }
    setup_token = token->value_or("");
  } else {
    log.Warn("AUTHENTICATION IS DISABLED (auth.enabled: false): anyone who can reach this server can read "
             "and change every flag. Use this only for local development.");
  }
  ResourceService resources(**db, clock, default_environment);
  SnapshotService snapshots(**db, std::chrono::seconds(1), default_environment);
  resources.OnCommit([&](const std::vector<store::EnvironmentRevision>&) {
    if (auto r = snapshots.Refresh(); !r) log.Error("snapshot rebuild failed", {{"error", r.error().message}});
  });
  if (auto started = snapshots.Start(); !started) {
    log.Error("cannot build the snapshot", {{"error", started.error().message}});
    return 2;
  }

  api::Metrics metrics;
  metrics.AddGauge("aurora_snapshot_revision", "Revision of the default environment's snapshot being served.", [&] {
    const auto current = snapshots.Current();
    return current ? static_cast<double>(current->revision) : 0.0;
  });
  metrics.AddGauge("aurora_snapshot_build_failures", "Snapshot builds that failed since start.",
                   [&] { return static_cast<double>(snapshots.build_failures()); });

  // --- Background jobs (docs/jobs.md): the durable job queue, snapshot publishing to S3 and
  // publish.dir (enqueued inside every write transaction), the experiment scheduler. ---
  BackgroundJobs background(*config, env, **db, resources, clock, log);
  if (auto set_up = background.Setup(metrics); !set_up) {
    log.Error("cannot set up background jobs", {{"error", set_up.error().message}});
    return 2;
  }
  if (auto started = background.Start(); !started) {
    log.Error("cannot start background jobs", {{"error", started.error().message}});
    return 2;
  }
  // --- end of background jobs ---

  http::Router router;
  // Streams: every newly installed snapshot (local write, NOTIFY from another process, or
  // the poll) goes out to the connected SDKs.
  api::StreamOptions stream_options;
  stream_options.max_streams = static_cast<std::size_t>(config->stream.max_connections);
  stream_options.heartbeat = config->stream.heartbeat;
  stream_options.inline_snapshot_bytes = config->stream.inline_snapshot_bytes;
  stream_options.max_pending_bytes = config->stream.max_pending_bytes;
  api::StreamHub streams(stream_options);
  snapshots.OnChange([&](const std::shared_ptr<const SnapshotBundle>& bundle) { streams.Publish(bundle); });
  snapshots.OnRemove([&](const std::string& environment) { streams.CloseEnvironment(environment); });
  metrics.AddGauge("aurora_sdk_streams_open", "Open /api/v1/sdk/stream connections.",
                   [&] { return static_cast<double>(streams.open_streams()); });
  std::unique_ptr<store::RevisionListener> revision_listener;
  if (config->database.driver == DatabaseDriver::kPostgres) {
    resources.OnWrite([](store::Transaction& tx, const std::vector<store::EnvironmentRevision>& changed) {
      for (const auto& c : changed) {
        if (auto r = store::NotifyRevision(tx, c); !r) return r;
      }
      return Result<void>();
    });
    auto listener = store::ListenForRevisions(config->PostgresDsn(), [&](std::int64_t) {
      if (auto r = snapshots.Refresh(); !r) log.Warn("snapshot refresh after NOTIFY failed", {{"error", r.error().message}});
    });
    if (listener) revision_listener = std::move(*listener);
  }

  api::ApiContext context{resources, snapshots, metrics, **db, clock, *config, log, keys, streams, users, oidc,
                          config->auth.enabled, migrator.Latest()};
  api::RegisterRoutes(router, context);

  http::HttpServerOptions options;
  options.address = config->service.bind;
  options.port = static_cast<std::uint16_t>(config->service.port);
  options.io_threads = config->http.io_threads;
  options.worker_threads = config->http.worker_threads;
  options.max_body_bytes = config->http.max_body_bytes;
  options.max_connections = static_cast<std::size_t>(config->http.max_connections);
  options.header_timeout = config->http.read_timeout;
  options.idle_timeout = config->http.idle_timeout;
  options.log = [&](std::string_view line) { log.Warn(line); };
  // In-memory answers run on the I/O thread; anything touching the database goes to workers.
  options.run_inline = [&](const http::Request& req) {
    // A session cookie is checked against the database: such requests go to the workers.
    if (config->auth.enabled && !api::PresentedKey(req) && api::SessionToken(req)) return false;
    return req.path == "/api/v1/sdk/config" || req.path == "/api/v1/evaluate" || req.path == "/healthz" ||
           req.path == "/api/v1/sdk/metadata" || req.path == "/api/v1/sdk/parameters" ||
           req.path == "/api/v1/sdk/experiments" || req.path == "/metrics" || req.path == "/api/v1/sdk/stream" ||
           req.path.starts_with("/ofrep/v1/evaluate/flags");
  };
  options.on_request_done = [&](const http::Request& req, const http::Response& res, std::chrono::nanoseconds took) {
    // The matched pattern, not the path, keeps the label set bounded.
    const auto pattern = router.MatchedPattern(req);
    metrics.ObserveRequest(req.method, pattern.value_or("unmatched"), res.status, took);
    if (res.status >= 500) {
      log.Warn("request failed", {{"method", req.method}, {"path", req.path}, {"status", std::to_string(res.status)},
                                  {"requestId", req.request_id}});
    } else if (log.Enabled(LogLevel::kDebug)) {
      log.Debug("request", {{"method", req.method}, {"path", req.path}, {"status", std::to_string(res.status)},
                            {"micros", std::to_string(took.count() / 1000)}, {"requestId", req.request_id}});
    }
  };

  // Signals are taken synchronously by this thread; every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const auto& cors = config->auth.cors_origins;
  const bool auth_enabled = config->auth.enabled;
  std::string public_origin = config->server.public_url;
  std::transform(public_origin.begin(), public_origin.end(), public_origin.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const api::Gate gate{keys, users, resources, router, auth_enabled, public_origin};
  http::HttpServer server(options, [&](http::Request& req) {
    if (auto preflight = api::Preflight(req, cors)) return std::move(*preflight);
    std::optional<http::Response> refused = api::Admit(req, gate);
    http::Response response = refused ? std::move(*refused) : router.Dispatch(req);
    api::ApplyCors(req, cors, response);
    return response;
  });
  if (auto started = server.Start(); !started) {
    log.Error("cannot listen", {{"error", started.error().message}});
    return 2;
  }
  // The first keys only once the address is ours: a failed bind must not leave keys nobody saw.
  if (config->auth.enabled) {
    auto created = keys.Bootstrap();
    if (!created) {
      log.Error("cannot create the first API keys", {{"error", created.error().message}});
      server.Stop();
      return 2;
    }
    if (!created->empty()) {
      std::cout << "Created the first API keys. They are shown only this once; store them now:\n";
      for (const auto& k : *created) std::cout << "  " << ScopeName(k.scope) << " key: " << k.secret << "\n";
      std::cout << std::flush;
      log.Info("created the first API keys (admin and sdk); their secrets were printed on stdout");
    }
  }
  const auto bundle = snapshots.Current();
  log.Info("aurora-server listening",
           {{"address", config->service.bind + ":" + std::to_string(server.port())},
            {"database", std::string(DatabaseDriverName(config->database.driver))},
            {"revision", std::to_string(bundle ? bundle->revision : 0)}});
  // Test harnesses read the bound port from this line (SERVICE_PORT=0 picks a free one).
  std::cout << "listening on port " << server.port() << std::endl;
  if (!setup_token.empty()) {
    const std::string base = config->server.public_url.empty()
                                 ? "http://localhost:" + std::to_string(server.port())
                                 : config->server.public_url;
    std::cout << "No user exists yet. Create the first admin within 24 hours at:\n  " << base
              << "/setup?token=" << setup_token << "\n(or run: aurora users create EMAIL admin)" << std::endl;
    log.Info("no user exists yet: the one-time setup URL was printed on stdout");
  }

  int received = 0;
  sigwait(&signals, &received);
  log.Info("shutting down", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
  server.Stop();
  background.Stop();
  snapshots.Stop();
  keys.Stop();
  log.Info("stopped");
  return 0;
}

}  // namespace aurora::server
