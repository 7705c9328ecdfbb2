#pragma once

// The server's configuration (SPEC §6): YAML, then environment overrides, then validation.
// Every key, its type, default and environment variable: docs/config-format.md.

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "aurora/result.hpp"

namespace aurora::server {

/// Largest config text LoadConfig accepts; a real file is a few kilobytes.
inline constexpr std::size_t kMaxConfigBytes = std::size_t{4} << 20;
/// Deepest nesting of YAML collections LoadConfig lets yaml-cpp parse (it recurses per level);
/// the schema itself needs three (document, section, list).
inline constexpr int kMaxConfigNesting = 32;

enum class ServiceEnv { kDevelopment, kStaging, kProduction };
enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson };
enum class DatabaseDriver { kSqlite, kPostgres };
enum class SslMode { kDisable, kAllow, kPrefer, kRequire, kVerifyCa, kVerifyFull };

/// The configuration word for a value: "production", "warn", "json", "postgres", "verify-full".
std::string_view ServiceEnvName(ServiceEnv env);
std::string_view LogLevelName(LogLevel level);
std::string_view LogFormatName(LogFormat format);
std::string_view DatabaseDriverName(DatabaseDriver driver);
std::string_view SslModeName(SslMode mode);

/// The server's settings. A default-constructed Config holds every default; an empty string
/// means "not set" for the optional keys (database.url, s3.endpoint, publish.dir, ...).
struct Config {
  struct Service {
    std::string name = "aurora";
    ServiceEnv env = ServiceEnv::kDevelopment;
    int port = 9999;
    std::string bind = "127.0.0.1";  // this host only, unless configured
    bool operator==(const Service&) const = default;
  };
  struct Logging {
    LogLevel level = LogLevel::kInfo;
    /// When the key is absent the loader picks kJson for production, kText otherwise.
    LogFormat format = LogFormat::kText;
    bool operator==(const Logging&) const = default;
  };
  struct Database {
    DatabaseDriver driver = DatabaseDriver::kSqlite;
    std::string path = "./data/aurora.db";  // the SQLite file
    std::string url;                        // a PostgreSQL DSN; replaces the fields below
    std::string host;
    int port = 5432;
    std::string user;
    std::string password;
    std::string dbname;
    SslMode sslmode = SslMode::kPrefer;
    int max_connections = 8;
    bool operator==(const Database&) const = default;
  };
  struct S3 {
    bool enabled = false;  // key s3.enable
    std::string bucket_name;
    std::string region = "us-east-1";
    std::string endpoint;  // an http(s) URL of an S3-compatible server; empty means AWS
    std::string prefix;
    std::string access_key;
    std::string secret_key;
    bool path_style = false;
    std::chrono::milliseconds timeout = std::chrono::seconds{10};
    bool operator==(const S3&) const = default;
  };
  struct Auth {
    bool enabled = true;
    std::vector<std::string> cors_origins;
    /// Sessions (SPEC §11): signed out after this long unused, and this long after sign-in.
    std::chrono::milliseconds session_idle = std::chrono::hours{12};
    std::chrono::milliseconds session_lifetime = std::chrono::hours{7 * 24};
    /// Failed sign-ins per account and per client address within the window before 429.
    int login_failure_limit = 10;
    std::chrono::milliseconds login_failure_window = std::chrono::minutes{15};
    bool operator==(const Auth&) const = default;
  };
  struct Http {
    std::size_t max_body_bytes = 1'048'576;
    std::chrono::milliseconds read_timeout = std::chrono::seconds{10};
    std::chrono::milliseconds idle_timeout = std::chrono::seconds{60};
    int worker_threads = 4;
    int io_threads = 2;
    int max_connections = 10'000;
    bool operator==(const Http&) const = default;
  };
  struct Publish {
    std::string dir;  // a directory the snapshot is also published to; empty means none
    bool operator==(const Publish&) const = default;
  };
  struct Jobs {
    /// Run job workers and the experiment scheduler in this process (jobs are enqueued either way).
    bool enabled = true;
    int workers = 2;
    int max_attempts = 25;
    std::chrono::milliseconds poll_interval = std::chrono::seconds{1};
    /// How long a claimed job is a worker's before another may take it over.
    std::chrono::milliseconds lease = std::chrono::seconds{60};
    std::chrono::milliseconds backoff = std::chrono::seconds{1};  // first retry; doubles after
    std::chrono::milliseconds max_backoff = std::chrono::minutes{5};
    /// Wait before a new publish job runs, so a burst of writes coalesces.
    std::chrono::milliseconds publish_delay = std::chrono::milliseconds{50};
    std::chrono::milliseconds scheduler_interval = std::chrono::seconds{1};
    /// Succeeded jobs are deleted after this long (the newest per key is kept).
    std::chrono::milliseconds retention = std::chrono::hours{24};
    bool operator==(const Jobs&) const = default;
  };
  struct Stream {
    /// Open /api/v1/sdk/stream connections at once; beyond, a new stream gets 503.
    int max_connections = 10'000;
    /// Period of the comment line that keeps idle streams alive through proxies.
    std::chrono::milliseconds heartbeat = std::chrono::seconds{15};
    /// Snapshots up to this size ride along in the event; 0 means never.
    std::size_t inline_snapshot_bytes = 65'536;
    /// A client further behind than this is disconnected.
    std::size_t max_pending_bytes = 4 * 1'048'576;
    bool operator==(const Stream&) const = default;
  };
  struct Ofrep {
    /// The Aurora attribute an OFREP context's `targetingKey` is copied to (docs/ofrep.md).
    std::string targeting_key_attribute = "user_id";
    bool operator==(const Ofrep&) const = default;
  };

  /// OpenID Connect sign-in (YAML `auth.oidc`, SPEC §11); off while `issuer` is empty.
  struct Oidc {
    std::string issuer;
    std::string client_id;
    std::string client_secret;
    std::string role_claim;
    std::string scopes = "openid email profile";
    bool operator==(const Oidc&) const = default;
  };
  struct Server {
    /// The URL people reach the server at (behind a proxy: the proxy's). https:// makes the
    /// session cookie Secure; its origin is the one state-changing browser requests must come from.
    std::string public_url;
    bool operator==(const Server&) const = default;
  };
  struct Environments {
    /// The environment of requests without ?environment= and of wave-1 clients (SPEC §10).
    std::string default_environment = "production";
    bool operator==(const Environments&) const = default;
  };

  Service service;
  Logging logging;
  Database database;
  S3 s3;
  Auth auth;
  Http http;
  Publish publish;
  Jobs jobs;
  Stream stream;
  Ofrep ofrep;
  Environments environments;
  Server server;
  Oidc oidc;  // the `auth.oidc` section

  /// database.url when set; otherwise a libpq keyword/value conninfo built from host, port,
  /// dbname, user, password and sslmode, every value single-quoted with ' and \ escaped, and
  /// empty fields left out so libpq applies its own defaults.
  std::string PostgresDsn() const;

  bool operator==(const Config&) const = default;
};

/// Parses the YAML text (empty or comment-only text means all defaults), applies environment
/// overrides from `env`, then validates. Any unknown key, bad value or YAML syntax error gives
/// kInvalidArgument with a message naming the key path (`service.port: ...`) or, for an
/// override, the variable (`SERVICE_PORT=abc: ...`). Variables that name no key are ignored.
/// Safe to call from any thread; hostile text (huge, deeply nested) gives an error, not a crash.
Result<Config> LoadConfig(std::string_view yaml_text,
                          const std::map<std::string, std::string>& env);

/// Reads the file at `path`, then as LoadConfig; errors found in the file are prefixed with
/// its path. A missing file is kNotFound, an unreadable one kUnavailable, both naming the path.
Result<Config> LoadConfigFile(const std::string& path,
                              const std::map<std::string, std::string>& env);

/// The process environment as a map (for main()). Not thread-safe against setenv().
std::map<std::string, std::string> ProcessEnvironment();

/// Parses a duration: one or more <digits><unit> with unit ms, s, m or h ("250ms", "10s", "5m",
/// "1h30m"). No sign, fraction or spaces. kInvalidArgument otherwise, or when it overflows.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

}  // namespace aurora::server
