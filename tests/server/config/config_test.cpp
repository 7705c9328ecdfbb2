#include "server/config/config.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <pthread.h>
#include <unistd.h>

namespace aurora::server {
namespace {

using namespace std::chrono_literals;
using Env = std::map<std::string, std::string>;

// The "Configuration" sample of the design document, verbatim (including the blank line with
// two spaces after sslmode).
constexpr std::string_view kDesignSample = R"(service:
  name: aurora-api
  env: production
  port: 9999

logging:
  level: info  # debug, info, warn, error

database:
  host: localhost
  port: 5432
  user: postgres
  password: your_secure_password
  dbname: aurora_prod
  sslmode: require
  
s3:
  enable: true
  bucketName: prod-aurora-experiments
  accessKey: YOUR_AWS_ACCESS_KEY
  secretKey: YOUR_AWS_SECRET_KEY
)";

Config LoadOk(std::string_view yaml, const Env& env = {}) {
  auto config = LoadConfig(yaml, env);
  EXPECT_TRUE(config.has_value()) << config.error().message;
  return config.has_value() ? *config : Config{};
}

std::string LoadError(std::string_view yaml, const Env& env = {}) {
  auto config = LoadConfig(yaml, env);
  if (config.has_value()) {
    ADD_FAILURE() << "expected an error for:\n" << yaml;
    return "";
  }
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument) << config.error().message;
  return config.error().message;
}

std::string Repeat(std::string_view piece, int times) {
  std::string out;
  out.reserve(piece.size() * static_cast<std::size_t>(times));
  for (int i = 0; i < times; ++i) out += piece;
  return out;
}

// Runs `body` on a thread with a 128 KiB stack: without the nesting pre-check, yaml-cpp
// overflows it before its own depth guard (2000 frames) throws, so a test passing here shows
// the limit is enforced before yaml-cpp recurses.
void RunOnSmallStack(const std::function<void()>& body) {
  pthread_attr_t attributes;
  ASSERT_EQ(pthread_attr_init(&attributes), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attributes, std::size_t{128} << 10), 0);
  pthread_t thread;
  auto trampoline = [](void* argument) -> void* {
    (*static_cast<const std::function<void()>*>(argument))();
    return nullptr;
  };
  ASSERT_EQ(
      pthread_create(&thread, &attributes, trampoline, const_cast<std::function<void()>*>(&body)),
      0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attributes);
}

class TempFile {
 public:
  explicit TempFile(std::string_view text)
      : path_(std::filesystem::temp_directory_path() /
              ("aurora_config_test_" + std::to_string(::getpid()) + "_" +
               std::to_string(counter_++) + ".yaml")) {
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

TEST(ConfigTest, EmptyTextGivesEveryDefault) {
  const Config config = LoadOk("");
  EXPECT_EQ(config, Config{});
  EXPECT_EQ(config.service.name, "aurora");
  EXPECT_EQ(config.service.env, ServiceEnv::kDevelopment);
  EXPECT_EQ(config.service.port, 9999);
  EXPECT_EQ(config.service.bind, "127.0.0.1");  // this host only unless configured
  EXPECT_EQ(config.logging.level, LogLevel::kInfo);
  EXPECT_EQ(config.logging.format, LogFormat::kText);
  EXPECT_EQ(config.database.driver, DatabaseDriver::kSqlite);
  EXPECT_EQ(config.database.path, "./data/aurora.db");
  EXPECT_EQ(config.database.url, "");
  EXPECT_EQ(config.database.port, 5432);
  EXPECT_EQ(config.database.sslmode, SslMode::kPrefer);
  EXPECT_EQ(config.database.max_connections, 8);
  EXPECT_FALSE(config.s3.enabled);
  EXPECT_EQ(config.s3.region, "us-east-1");
  EXPECT_EQ(config.s3.endpoint, "");
  EXPECT_EQ(config.s3.prefix, "");
  EXPECT_FALSE(config.s3.path_style);
  EXPECT_EQ(config.s3.timeout, 10s);
  EXPECT_TRUE(config.auth.enabled);
  EXPECT_TRUE(config.auth.cors_origins.empty());
  EXPECT_EQ(config.http.max_body_bytes, 1'048'576u);
  EXPECT_EQ(config.http.read_timeout, 10s);
  EXPECT_EQ(config.http.idle_timeout, 60s);
  EXPECT_EQ(config.http.worker_threads, 4);
  EXPECT_EQ(config.http.io_threads, 2);
  EXPECT_EQ(config.http.max_connections, 10'000);
  EXPECT_EQ(config.publish.dir, "");
  EXPECT_TRUE(config.jobs.enabled);
  EXPECT_EQ(config.jobs.workers, 2);
  EXPECT_EQ(config.jobs.max_attempts, 25);
  EXPECT_EQ(config.jobs.poll_interval, 1s);
  EXPECT_EQ(config.jobs.lease, 60s);
  EXPECT_EQ(config.jobs.backoff, 1s);
  EXPECT_EQ(config.jobs.max_backoff, 5min);
  EXPECT_EQ(config.jobs.publish_delay, 50ms);
  EXPECT_EQ(config.jobs.scheduler_interval, 1s);
  EXPECT_EQ(config.jobs.retention, 24h);
  EXPECT_EQ(config.stream.max_connections, 10'000);
  EXPECT_EQ(config.stream.heartbeat, 15s);
  EXPECT_EQ(config.stream.inline_snapshot_bytes, 65'536u);
  EXPECT_EQ(config.stream.max_pending_bytes, 4'194'304u);
  EXPECT_EQ(config.ofrep.targeting_key_attribute, "user_id");
}

TEST(ConfigTest, CommentsNullDocumentsAndEmptySectionsGiveDefaults) {
  EXPECT_EQ(LoadOk("# nothing here\n\n   \n"), Config{});
  EXPECT_EQ(LoadOk("~\n"), Config{});
  EXPECT_EQ(LoadOk("---\n"), Config{});
  EXPECT_EQ(LoadOk("service:\ndatabase: ~\ns3:\n  # all commented out\n  # enable: true\n"),
            Config{});
  EXPECT_EQ(LoadOk("service:\n  name: aurora\n  port:\n  bind: ~\n"), Config{});
}

TEST(ConfigTest, LogFormatDefaultsToJsonInProductionOnly) {
  EXPECT_EQ(LoadOk("service: {env: production}").logging.format, LogFormat::kJson);
  EXPECT_EQ(LoadOk("service: {env: staging}").logging.format, LogFormat::kText);
  EXPECT_EQ(LoadOk("", {{"SERVICE_ENV", "production"}}).logging.format, LogFormat::kJson);
  EXPECT_EQ(LoadOk("service: {env: production}\nlogging: {format: text}").logging.format,
            LogFormat::kText);
  EXPECT_EQ(LoadOk("service: {env: production}", {{"LOGGING_FORMAT", "text"}}).logging.format,
            LogFormat::kText);
  EXPECT_EQ(LoadOk("logging: {format: json}").logging.format, LogFormat::kJson);
}

TEST(ConfigTest, DesignDocumentSampleParses) {
  const Config config = LoadOk(kDesignSample);
  EXPECT_EQ(config.service.name, "aurora-api");
  EXPECT_EQ(config.service.env, ServiceEnv::kProduction);
  EXPECT_EQ(config.service.port, 9999);
  EXPECT_EQ(config.logging.level, LogLevel::kInfo);
  EXPECT_EQ(config.logging.format, LogFormat::kJson);
  // The sample predates database.driver, so it still selects SQLite; its fields are kept.
  EXPECT_EQ(config.database.driver, DatabaseDriver::kSqlite);
  EXPECT_EQ(config.database.host, "localhost");
  EXPECT_EQ(config.database.port, 5432);
  EXPECT_EQ(config.database.user, "postgres");
  EXPECT_EQ(config.database.password, "your_secure_password");
  EXPECT_EQ(config.database.dbname, "aurora_prod");
  EXPECT_EQ(config.database.sslmode, SslMode::kRequire);
  EXPECT_TRUE(config.s3.enabled);
  EXPECT_EQ(config.s3.bucket_name, "prod-aurora-experiments");
  EXPECT_EQ(config.s3.access_key, "YOUR_AWS_ACCESS_KEY");
  EXPECT_EQ(config.s3.secret_key, "YOUR_AWS_SECRET_KEY");
  EXPECT_EQ(config.PostgresDsn(),
            "host='localhost' port='5432' dbname='aurora_prod' user='postgres' "
            "password='your_secure_password' sslmode='require'");

  EXPECT_EQ(LoadOk(kDesignSample, {{"DATABASE_DRIVER", "postgres"}}).database.driver,
            DatabaseDriver::kPostgres);
}

TEST(ConfigTest, ExampleFileDocumentsTheDefaults) {
  auto config = LoadConfigFile(AURORA_SOURCE_DIR "/config.example.yaml", {});
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(*config, Config{});
}

TEST(ConfigTest, EveryKeyIsReadFromYaml) {
  const Config config = LoadOk(R"(
service:
  name: flags
  env: staging
  port: 8080
  bind: 127.0.0.1
logging:
  level: debug
  format: json
database:
  driver: postgres
  path: /var/lib/aurora.db
  url: postgresql://u@db/aurora
  host: db
  port: 6432
  user: u
  password: p
  dbname: aurora
  sslmode: verify-full
  maxConnections: 32
s3:
  enable: yes
  bucketName: flags
  region: eu-west-1
  endpoint: http://127.0.0.1:9000
  prefix: prod/
  accessKey: AK
  secretKey: SK
  pathStyle: true
  timeout: 1m30s
auth:
  enabled: false
  corsOrigins: [https://a.example, "https://b.example"]
http:
  maxBodyBytes: 65536
  readTimeout: 250ms
  idleTimeout: 2m
  workerThreads: 8
  ioThreads: 1
  maxConnections: 500
publish:
  dir: /srv/snapshots
jobs:
  enabled: false
  workers: 4
  maxAttempts: 7
  pollInterval: 500ms
  lease: 2m
  backoff: 2s
  maxBackoff: 1h
  publishDelay: 10ms
  schedulerInterval: 250ms
  retention: 12h
stream:
  maxConnections: 2
  heartbeat: 250ms
  inlineSnapshotBytes: 0
  maxPendingBytes: 1024
ofrep:
  targetingKeyAttribute: account.id
)");
  EXPECT_EQ(config.service.name, "flags");
  EXPECT_EQ(config.service.env, ServiceEnv::kStaging);
  EXPECT_EQ(config.service.port, 8080);
  EXPECT_EQ(config.service.bind, "127.0.0.1");
  EXPECT_EQ(config.logging.level, LogLevel::kDebug);
  EXPECT_EQ(config.logging.format, LogFormat::kJson);
  EXPECT_EQ(config.database.driver, DatabaseDriver::kPostgres);
  EXPECT_EQ(config.database.path, "/var/lib/aurora.db");
  EXPECT_EQ(config.database.url, "postgresql://u@db/aurora");
  EXPECT_EQ(config.database.host, "db");
  EXPECT_EQ(config.database.port, 6432);
  EXPECT_EQ(config.database.user, "u");
  EXPECT_EQ(config.database.password, "p");
  EXPECT_EQ(config.database.dbname, "aurora");
  EXPECT_EQ(config.database.sslmode, SslMode::kVerifyFull);
  EXPECT_EQ(config.database.max_connections, 32);
  EXPECT_TRUE(config.s3.enabled);
  EXPECT_EQ(config.s3.bucket_name, "flags");
  EXPECT_EQ(config.s3.region, "eu-west-1");
  EXPECT_EQ(config.s3.endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(config.s3.prefix, "prod/");
  EXPECT_EQ(config.s3.access_key, "AK");
  EXPECT_EQ(config.s3.secret_key, "SK");
  EXPECT_TRUE(config.s3.path_style);
  EXPECT_EQ(config.s3.timeout, 90s);
  EXPECT_FALSE(config.auth.enabled);
  EXPECT_EQ(config.auth.cors_origins,
            (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_EQ(config.http.max_body_bytes, 65536u);
  EXPECT_EQ(config.http.read_timeout, 250ms);
  EXPECT_EQ(config.http.idle_timeout, 2min);
  EXPECT_EQ(config.http.worker_threads, 8);
  EXPECT_EQ(config.http.io_threads, 1);
  EXPECT_EQ(config.http.max_connections, 500);
  EXPECT_EQ(config.publish.dir, "/srv/snapshots");
  EXPECT_FALSE(config.jobs.enabled);
  EXPECT_EQ(config.jobs.workers, 4);
  EXPECT_EQ(config.jobs.max_attempts, 7);
  EXPECT_EQ(config.jobs.poll_interval, 500ms);
  EXPECT_EQ(config.jobs.lease, 2min);
  EXPECT_EQ(config.jobs.backoff, 2s);
  EXPECT_EQ(config.jobs.max_backoff, 1h);
  EXPECT_EQ(config.jobs.publish_delay, 10ms);
  EXPECT_EQ(config.jobs.scheduler_interval, 250ms);
  EXPECT_EQ(config.jobs.retention, 12h);
  EXPECT_EQ(config.stream.max_connections, 2);
  EXPECT_EQ(config.stream.heartbeat, 250ms);
  EXPECT_EQ(config.stream.inline_snapshot_bytes, 0u);
  EXPECT_EQ(config.stream.max_pending_bytes, 1024u);
  EXPECT_EQ(config.ofrep.targeting_key_attribute, "account.id");
}

TEST(ConfigTest, QuotedNumbersAndBooleansAreAccepted) {
  const Config config = LoadOk("service: {port: \"8080\"}\ns3: {pathStyle: 'true'}");
  EXPECT_EQ(config.service.port, 8080);
  EXPECT_TRUE(config.s3.path_style);
}

TEST(ConfigTest, BooleansAcceptTheYamlSpellingsInAnyCase) {
  for (const char* yes : {"true", "True", "TRUE", "yes", "Yes", "on", "ON", "1"}) {
    EXPECT_TRUE(LoadOk(std::string("s3: {pathStyle: ") + yes + "}").s3.path_style) << yes;
    EXPECT_TRUE(LoadOk("", {{"S3_PATHSTYLE", yes}}).s3.path_style) << yes;
  }
  for (const char* no : {"false", "False", "FALSE", "no", "NO", "off", "Off", "0"}) {
    EXPECT_FALSE(LoadOk(std::string("auth: {enabled: ") + no + "}").auth.enabled) << no;
    EXPECT_FALSE(LoadOk("", {{"AUTH_ENABLED", no}}).auth.enabled) << no;
  }
}

TEST(ConfigTest, EveryKeyHasAnEnvironmentVariable) {
  const Env env = {
      {"SERVICE_NAME", "flags"},
      {"SERVICE_ENV", "production"},
      {"SERVICE_PORT", "8080"},
      {"SERVICE_BIND", "::"},
      {"LOGGING_LEVEL", "warn"},
      {"LOGGING_FORMAT", "text"},
      {"DATABASE_DRIVER", "postgres"},
      {"DATABASE_PATH", "/tmp/a.db"},
      {"DATABASE_URL", "postgresql://db/aurora"},
      {"DATABASE_HOST", "prod-db.example.com"},
      {"DATABASE_PORT", "6432"},
      {"DATABASE_USER", "aurora"},
      {"DATABASE_PASSWORD", "s3cret"},
      {"DATABASE_DBNAME", "flags"},
      {"DATABASE_SSLMODE", "verify-ca"},
      {"DATABASE_MAXCONNECTIONS", "20"},
      {"S3_ENABLE", "true"},
      {"S3_BUCKETNAME", "bucket"},
      {"S3_REGION", "eu-central-1"},
      {"S3_ENDPOINT", "https://minio.internal"},
      {"S3_PREFIX", "snapshots/"},
      {"S3_ACCESSKEY", "AK"},
      {"S3_SECRETKEY", "SK"},
      {"S3_PATHSTYLE", "yes"},
      {"S3_TIMEOUT", "3s"},
      {"AUTH_ENABLED", "false"},
      {"AUTH_CORSORIGINS", "https://a.example,https://b.example"},
      {"HTTP_MAXBODYBYTES", "2048"},
      {"HTTP_READTIMEOUT", "5s"},
      {"HTTP_IDLETIMEOUT", "1m"},
      {"HTTP_WORKERTHREADS", "16"},
      {"HTTP_IOTHREADS", "3"},
      {"HTTP_MAXCONNECTIONS", "100"},
      {"PUBLISH_DIR", "/srv/out"},
      {"JOBS_ENABLED", "no"},
      {"JOBS_WORKERS", "3"},
      {"JOBS_MAXATTEMPTS", "5"},
      {"JOBS_POLLINTERVAL", "2s"},
      {"JOBS_LEASE", "30s"},
      {"JOBS_BACKOFF", "100ms"},
      {"JOBS_MAXBACKOFF", "10s"},
      {"JOBS_PUBLISHDELAY", "1ms"},
      {"JOBS_SCHEDULERINTERVAL", "5s"},
      {"JOBS_RETENTION", "1h"},
      {"STREAM_MAXCONNECTIONS", "50"},
      {"STREAM_HEARTBEAT", "200ms"},
      {"STREAM_INLINESNAPSHOTBYTES", "4096"},
      {"STREAM_MAXPENDINGBYTES", "1048576"},
      {"OFREP_TARGETINGKEYATTRIBUTE", "device_id"},
      {"AUTH_SESSIONIDLE", "30m"},
      {"AUTH_SESSIONLIFETIME", "24h"},
      {"AUTH_LOGINFAILURELIMIT", "5"},
      {"AUTH_LOGINFAILUREWINDOW", "1h"},
      {"SERVER_PUBLICURL", "https://flags.example.com/"},
  };
  const Config config = LoadOk("", env);
  EXPECT_EQ(config.service.name, "flags");
  EXPECT_EQ(config.service.env, ServiceEnv::kProduction);
  EXPECT_EQ(config.service.port, 8080);
  EXPECT_EQ(config.service.bind, "::");
  EXPECT_EQ(config.logging.level, LogLevel::kWarn);
  EXPECT_EQ(config.logging.format, LogFormat::kText);
  EXPECT_EQ(config.database.driver, DatabaseDriver::kPostgres);
  EXPECT_EQ(config.database.path, "/tmp/a.db");
  EXPECT_EQ(config.database.url, "postgresql://db/aurora");
  EXPECT_EQ(config.database.host, "prod-db.example.com");
  EXPECT_EQ(config.database.port, 6432);
  EXPECT_EQ(config.database.user, "aurora");
  EXPECT_EQ(config.database.password, "s3cret");
  EXPECT_EQ(config.database.dbname, "flags");
  EXPECT_EQ(config.database.sslmode, SslMode::kVerifyCa);
  EXPECT_EQ(config.database.max_connections, 20);
  EXPECT_TRUE(config.s3.enabled);
  EXPECT_EQ(config.s3.bucket_name, "bucket");
  EXPECT_EQ(config.s3.region, "eu-central-1");
  EXPECT_EQ(config.s3.endpoint, "https://minio.internal");
  EXPECT_EQ(config.s3.prefix, "snapshots/");
  EXPECT_EQ(config.s3.access_key, "AK");
  EXPECT_EQ(config.s3.secret_key, "SK");
  EXPECT_TRUE(config.s3.path_style);
  EXPECT_EQ(config.s3.timeout, 3s);
  EXPECT_FALSE(config.auth.enabled);
  EXPECT_EQ(config.auth.cors_origins,
            (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_EQ(config.http.max_body_bytes, 2048u);
  EXPECT_EQ(config.http.read_timeout, 5s);
  EXPECT_EQ(config.http.idle_timeout, 1min);
  EXPECT_EQ(config.http.worker_threads, 16);
  EXPECT_EQ(config.http.io_threads, 3);
  EXPECT_EQ(config.http.max_connections, 100);
  EXPECT_EQ(config.publish.dir, "/srv/out");
  EXPECT_FALSE(config.jobs.enabled);
  EXPECT_EQ(config.jobs.workers, 3);
  EXPECT_EQ(config.jobs.max_attempts, 5);
  EXPECT_EQ(config.jobs.poll_interval, 2s);
  EXPECT_EQ(config.jobs.lease, 30s);
  EXPECT_EQ(config.jobs.backoff, 100ms);
  EXPECT_EQ(config.jobs.max_backoff, 10s);
  EXPECT_EQ(config.jobs.publish_delay, 1ms);
  EXPECT_EQ(config.jobs.scheduler_interval, 5s);
  EXPECT_EQ(config.jobs.retention, 1h);
  EXPECT_EQ(config.stream.max_connections, 50);
  EXPECT_EQ(config.stream.heartbeat, 200ms);
  EXPECT_EQ(config.stream.inline_snapshot_bytes, 4096u);
  EXPECT_EQ(config.stream.max_pending_bytes, 1'048'576u);
  EXPECT_EQ(config.ofrep.targeting_key_attribute, "device_id");
  EXPECT_EQ(config.auth.session_idle, 30min);
  EXPECT_EQ(config.auth.session_lifetime, 24h);
  EXPECT_EQ(config.auth.login_failure_limit, 5);
  EXPECT_EQ(config.auth.login_failure_window, 1h);
  EXPECT_EQ(config.server.public_url, "https://flags.example.com");  // the trailing slash dropped
}

TEST(ConfigTest, PublicUrlIsAnOriginWithoutPathOrCredentials) {
  EXPECT_EQ(LoadOk("server: {publicUrl: 'http://localhost:9999'}", {}).server.public_url, "http://localhost:9999");
  EXPECT_EQ(LoadOk("", {}).server.public_url, "");
  for (const char* bad : {"flags.example.com", "ftp://flags.example.com", "https://", "https://a.example/flags",
                          "https://user@a.example", "https://a.example?x=1", "https://a .example"}) {
    EXPECT_NE(LoadError(std::string("server: {publicUrl: '") + bad + "'}").find("server.publicUrl"), std::string::npos)
        << bad;
  }
  EXPECT_NE(LoadError("auth: {sessionIdle: 0s}").find("auth.sessionIdle"), std::string::npos);
  EXPECT_NE(LoadError("auth: {loginFailureLimit: 0}").find("auth.loginFailureLimit"), std::string::npos);
}

TEST(ConfigTest, OidcIsANestedSectionOfAuth) {
  const Config config = LoadOk(R"(
auth:
  enabled: true
  oidc:
    issuer: https://sso.example.com/realms/main
    clientId: aurora
    clientSecret: s3cret
    roleClaim: aurora_role
server:
  publicUrl: https://flags.example.com
)",
                               {});
  EXPECT_EQ(config.oidc.issuer, "https://sso.example.com/realms/main");
  EXPECT_EQ(config.oidc.client_id, "aurora");
  EXPECT_EQ(config.oidc.client_secret, "s3cret");
  EXPECT_EQ(config.oidc.role_claim, "aurora_role");
  EXPECT_EQ(config.oidc.scopes, "openid email profile");
  const Config from_env = LoadOk("", {{"AUTH_OIDC_ISSUER", "http://127.0.0.1:5000"},
                                      {"AUTH_OIDC_CLIENTID", "c"},
                                      {"AUTH_OIDC_SCOPES", "openid email"},
                                      {"SERVER_PUBLICURL", "http://127.0.0.1:9999"}});
  EXPECT_EQ(from_env.oidc.issuer, "http://127.0.0.1:5000");
  EXPECT_EQ(from_env.oidc.scopes, "openid email");
  EXPECT_NE(LoadError("auth: {oidc: {issuer: 'ftp://x'}}").find("auth.oidc.issuer"), std::string::npos);
  EXPECT_NE(LoadError("auth: {oidc: {isuer: 'https://x'}}").find("auth.oidc"), std::string::npos);
  EXPECT_NE(LoadError("auth: {oidc: {issuer: 'https://x'}}").find("auth.oidc.clientId"), std::string::npos);
  EXPECT_NE(LoadError("auth: {oidc: {issuer: 'https://x', clientId: c}}").find("server.publicUrl"), std::string::npos);
  EXPECT_NE(LoadError("auth: {oidc: [1]}").find("auth.oidc"), std::string::npos);
  EXPECT_NE(LoadError("auth.oidc: {issuer: 'https://x'}").find("unknown"), std::string::npos);
  EXPECT_NE(LoadError("auth: {oidc: {scopes: ''}}").find("auth.oidc.scopes"), std::string::npos);
}

TEST(ConfigTest, S3EnableFromEnvironmentTurnsS3OnAndOff) {
  EXPECT_TRUE(LoadOk("s3: {bucketName: b}", {{"S3_ENABLE", "true"}}).s3.enabled);
  EXPECT_TRUE(LoadOk("s3: {bucketName: b}", {{"S3_ENABLE", "1"}}).s3.enabled);
  EXPECT_FALSE(LoadOk(kDesignSample, {{"S3_ENABLE", "false"}}).s3.enabled);
  EXPECT_FALSE(LoadOk(kDesignSample, {{"S3_ENABLE", "no"}}).s3.enabled);
  EXPECT_EQ(LoadError("", {{"S3_ENABLE", "true"}}),
            "s3.bucketName: required when s3.enable is true");
  EXPECT_TRUE(LoadOk("", {{"S3_ENABLE", "true"}, {"S3_BUCKETNAME", "from-env"}}).s3.enabled);
}

TEST(ConfigTest, CorsOriginsFromEnvironmentAreCommaSeparatedAndTrimmed) {
  EXPECT_EQ(LoadOk("", {{"AUTH_CORSORIGINS", "https://a.example"}}).auth.cors_origins,
            (std::vector<std::string>{"https://a.example"}));
  EXPECT_EQ(
      LoadOk("", {{"AUTH_CORSORIGINS", " https://a.example , ,http://b:8080,"}}).auth.cors_origins,
      (std::vector<std::string>{"https://a.example", "http://b:8080"}));
  // The variable replaces the file's list rather than adding to it.
  EXPECT_EQ(LoadOk("auth: {corsOrigins: [x, y]}", {{"AUTH_CORSORIGINS", "*"}}).auth.cors_origins,
            (std::vector<std::string>{"*"}));
}

TEST(ConfigTest, EnvironmentBeatsFile) {
  const Config config = LoadOk(kDesignSample, {{"SERVICE_PORT", "8080"},
                                               {"DATABASE_HOST", "prod-db.example.com"},
                                               {"S3_BUCKETNAME", "other"},
                                               {"SERVICE_ENV", "development"}});
  EXPECT_EQ(config.service.port, 8080);
  EXPECT_EQ(config.database.host, "prod-db.example.com");
  EXPECT_EQ(config.s3.bucket_name, "other");
  EXPECT_EQ(config.service.env, ServiceEnv::kDevelopment);
  EXPECT_EQ(config.logging.format, LogFormat::kText);  // follows the overridden env
  EXPECT_EQ(config.service.name, "aurora-api");        // untouched keys keep the file's value
}

TEST(ConfigTest, UnrelatedEnvironmentVariablesAreIgnored) {
  const Env env = {
      {"PATH", "/usr/bin"},           {"HOME", "/root"},          {"PORT", "not a number"},
      {"HTTP_PROXY", "http://proxy"}, {"DATABASE_HOSTT", "typo"}, {"service_port", "abc"},
      {"Service_Port", "abc"},        {"SERVICE", "x"},           {"SERVICE_PORT_EXTRA", "x"},
      {"S3_BUCKET_NAME", "x"},        {"", "empty name"},         {"AURORA_SERVICE_PORT", "abc"}};
  EXPECT_EQ(LoadOk("", env), Config{});
}

TEST(ConfigTest, EmptyEnvironmentVariableCountsAsUnset) {
  const Config config = LoadOk("service: {port: 7000, name: x}",
                               {{"SERVICE_PORT", ""}, {"SERVICE_NAME", ""}, {"S3_ENABLE", ""}});
  EXPECT_EQ(config.service.port, 7000);
  EXPECT_EQ(config.service.name, "x");
}

TEST(ConfigTest, BadEnvironmentValueNamesTheVariable) {
  EXPECT_EQ(LoadError("", {{"SERVICE_PORT", "abc"}}),
            "SERVICE_PORT=abc: must be an integer between 1 and 65535, got \"abc\"");
  EXPECT_EQ(LoadError("", {{"SERVICE_PORT", "0"}}),
            "SERVICE_PORT=0: must be an integer between 1 and 65535, got \"0\"");
  EXPECT_EQ(LoadError("", {{"S3_ENABLE", "maybe"}}),
            "S3_ENABLE=maybe: must be true or false (or yes/no, on/off, 1/0), got \"maybe\"");
  EXPECT_EQ(LoadError("", {{"LOGGING_LEVEL", "verbose"}}),
            "LOGGING_LEVEL=verbose: must be one of debug, info, warn, error, got \"verbose\"");
  EXPECT_EQ(LoadError("", {{"DATABASE_DRIVER", "mysql"}}),
            "DATABASE_DRIVER=mysql: must be one of sqlite, postgres, got \"mysql\"");
  EXPECT_EQ(LoadError("", {{"HTTP_READTIMEOUT", "10"}}),
            "HTTP_READTIMEOUT=10: must be a duration between 1ms and 24h such as \"250ms\", "
            "\"10s\" or \"5m\", got \"10\"");
  EXPECT_EQ(LoadError("", {{"STREAM_HEARTBEAT", "5ms"}}),
            "STREAM_HEARTBEAT=5ms: must be a duration between 10ms and 1h such as \"250ms\", "
            "\"10s\" or \"5m\", got \"5ms\"");
  EXPECT_EQ(LoadError("", {{"STREAM_MAXCONNECTIONS", "0"}}),
            "STREAM_MAXCONNECTIONS=0: must be an integer between 1 and 1000000, got \"0\"");
  EXPECT_EQ(LoadError("", {{"S3_ENDPOINT", "minio:9000"}}),
            "S3_ENDPOINT=minio:9000: must be an http:// or https:// URL, got \"minio:9000\"");
  // An environment error wins even when the file is fine, and the file is not blamed.
  EXPECT_EQ(LoadError("service: {port: 80}", {{"HTTP_MAXBODYBYTES", "-1"}}),
            "HTTP_MAXBODYBYTES=-1: must be an integer between 1 and 1073741824, got \"-1\"");
}

TEST(ConfigTest, ProcessEnvironmentSeesTheProcessVariables) {
  ASSERT_EQ(::setenv("AURORA_CONFIG_TEST_VARIABLE", "a=b", 1), 0);
  const auto env = ProcessEnvironment();
  ::unsetenv("AURORA_CONFIG_TEST_VARIABLE");
  ASSERT_TRUE(env.contains("AURORA_CONFIG_TEST_VARIABLE"));
  EXPECT_EQ(env.at("AURORA_CONFIG_TEST_VARIABLE"), "a=b");
}

TEST(ConfigTest, UnknownKeysAreRefusedAtEveryLevel) {
  EXPECT_EQ(LoadError("servce:\n  port: 1\n"), "unknown key servce");
  EXPECT_EQ(LoadError("database:\n  hostt: x\n"), "unknown key database.hostt");
  EXPECT_EQ(LoadError("service: {port: 1, colour: red}"), "unknown key service.colour");
  EXPECT_EQ(LoadError("publish: {dir: /x, to: s3}"), "unknown key publish.to");
  EXPECT_EQ(LoadError("stream: {maxStreams: 5}"), "unknown key stream.maxStreams");
  EXPECT_EQ(LoadError("stream:\n  heartBeat: 1s\n"),
            "unknown key stream.heartBeat (did you mean stream.heartbeat?)");
  EXPECT_EQ(LoadError("streams:\n  heartbeat: 1s\n"), "unknown key streams");
  EXPECT_EQ(LoadError("s3:\n  bucketname: b\n"),
            "unknown key s3.bucketname (did you mean s3.bucketName?)");
  EXPECT_EQ(LoadError("Service:\n  port: 1\n"), "unknown key Service (did you mean service?)");
  // Below a leaf there are no keys: a mapping where a value belongs is a bad value.
  EXPECT_EQ(LoadError("service:\n  port:\n    number: 1\n"),
            "service.port: must be an integer between 1 and 65535, got a mapping");
}

TEST(ConfigTest, DuplicateKeysAreRefused) {
  EXPECT_EQ(LoadError("service: {port: 1}\nservice: {port: 2}\n"), "duplicate key service");
  EXPECT_EQ(LoadError("service:\n  port: 1\n  port: 2\n"), "duplicate key service.port");
}

TEST(ConfigTest, NonStringKeysAreRefused) {
  EXPECT_EQ(LoadError("? [a, b]\n: 1\n"), "top-level keys must be strings, got a list");
  EXPECT_EQ(LoadError("service:\n  ? {a: 1}\n  : 1\n"),
            "service: keys must be strings, got a mapping");
}

struct BadValueCase {
  std::string yaml;
  std::string message;
};

class BadValueTest : public testing::TestWithParam<BadValueCase> {};

TEST_P(BadValueTest, IsRefusedWithTheKeyPath) {
  EXPECT_EQ(LoadError(GetParam().yaml), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    ConfigTest, BadValueTest,
    testing::Values(
        // not an integer, out of range
        BadValueCase{"service: {port: abc}",
                     "service.port: must be an integer between 1 and 65535, got \"abc\""},
        BadValueCase{"service: {port: 0}",
                     "service.port: must be an integer between 1 and 65535, got \"0\""},
        BadValueCase{"service: {port: 65536}",
                     "service.port: must be an integer between 1 and 65535, got \"65536\""},
        BadValueCase{"service: {port: -1}",
                     "service.port: must be an integer between 1 and 65535, got \"-1\""},
        BadValueCase{"service: {port: +80}",
                     "service.port: must be an integer between 1 and 65535, got \"+80\""},
        BadValueCase{"service: {port: 80.5}",
                     "service.port: must be an integer between 1 and 65535, got \"80.5\""},
        BadValueCase{"service: {port: 99999999999999999999999}",
                     "service.port: must be an integer between 1 and 65535, got "
                     "\"99999999999999999999999\""},
        BadValueCase{"database: {port: 0x10}",
                     "database.port: must be an integer between 1 and 65535, got \"0x10\""},
        BadValueCase{"database: {maxConnections: 0}",
                     "database.maxConnections: must be an integer between 1 and 10000, got \"0\""},
        BadValueCase{"http: {maxBodyBytes: 1073741825}",
                     "http.maxBodyBytes: must be an integer between 1 and 1073741824, got "
                     "\"1073741825\""},
        BadValueCase{"http: {workerThreads: 0}",
                     "http.workerThreads: must be an integer between 1 and 1024, got \"0\""},
        BadValueCase{"http: {ioThreads: 2000}",
                     "http.ioThreads: must be an integer between 1 and 1024, got \"2000\""},
        BadValueCase{"http: {maxConnections: many}",
                     "http.maxConnections: must be an integer between 1 and 1000000, got "
                     "\"many\""},
        // wrong type
        BadValueCase{"service: {port: [1, 2]}",
                     "service.port: must be an integer between 1 and 65535, got a list"},
        BadValueCase{"service: {name: {first: a}}",
                     "service.name: must be a non-empty string, got a mapping"},
        BadValueCase{"service: {name: ''}", "service.name: must be a non-empty string, got \"\""},
        BadValueCase{"database: {path: \"\"}",
                     "database.path: must be a non-empty string, got \"\""},
        BadValueCase{"database: {password: [a]}",
                     "database.password: must be a string, got a list"},
        BadValueCase{"auth: {corsOrigins: https://a.example}",
                     "auth.corsOrigins: must be a list of non-empty strings, got "
                     "\"https://a.example\""},
        BadValueCase{"auth: {corsOrigins: {a: b}}",
                     "auth.corsOrigins: must be a list of non-empty strings, got a mapping"},
        BadValueCase{"auth: {corsOrigins: [a, [b]]}",
                     "auth.corsOrigins[1]: must be a non-empty string, got a list"},
        BadValueCase{"auth:\n  corsOrigins:\n    - a\n    -\n",
                     "auth.corsOrigins[1]: must be a non-empty string, got null"},
        // unknown enum word
        BadValueCase{"service: {env: prod}",
                     "service.env: must be one of development, staging, production, got \"prod\""},
        BadValueCase{"logging: {level: verbose}",
                     "logging.level: must be one of debug, info, warn, error, got \"verbose\""},
        BadValueCase{"logging: {level: INFO}",
                     "logging.level: must be one of debug, info, warn, error, got \"INFO\""},
        BadValueCase{"logging: {format: xml}",
                     "logging.format: must be one of text, json, got \"xml\""},
        BadValueCase{"database: {driver: mysql}",
                     "database.driver: must be one of sqlite, postgres, got \"mysql\""},
        BadValueCase{"database: {sslmode: strict}",
                     "database.sslmode: must be one of disable, allow, prefer, require, "
                     "verify-ca, verify-full, got \"strict\""},
        // booleans
        BadValueCase{"s3: {enable: maybe}",
                     "s3.enable: must be true or false (or yes/no, on/off, 1/0), got \"maybe\""},
        BadValueCase{"auth: {enabled: [true]}",
                     "auth.enabled: must be true or false (or yes/no, on/off, 1/0), got a list"},
        // durations
        BadValueCase{"s3: {timeout: 10}",
                     "s3.timeout: must be a duration between 1ms and 24h such as \"250ms\", "
                     "\"10s\" or \"5m\", got \"10\""},
        BadValueCase{"http: {readTimeout: 1.5s}",
                     "http.readTimeout: must be a duration between 1ms and 24h such as "
                     "\"250ms\", \"10s\" or \"5m\", got \"1.5s\""},
        BadValueCase{"http: {idleTimeout: 0s}",
                     "http.idleTimeout: must be a duration between 1ms and 24h such as "
                     "\"250ms\", \"10s\" or \"5m\", got \"0s\""},
        BadValueCase{"http: {idleTimeout: 25h}",
                     "http.idleTimeout: must be a duration between 1ms and 24h such as "
                     "\"250ms\", \"10s\" or \"5m\", got \"25h\""},
        // URLs
        BadValueCase{"s3: {endpoint: 'minio:9000'}",
                     "s3.endpoint: must be an http:// or https:// URL, got \"minio:9000\""},
        BadValueCase{"s3: {endpoint: 'http://'}",
                     "s3.endpoint: must be an http:// or https:// URL, got \"http://\""},
        // attribute names
        BadValueCase{"ofrep: {targetingKeyAttribute: ''}",
                     "ofrep.targetingKeyAttribute: must be an attribute name (a letter, then up to "
                     "127 letters, digits, '_', '.' or '-'), got \"\""},
        BadValueCase{"ofrep: {targetingKeyAttribute: 1user}",
                     "ofrep.targetingKeyAttribute: must be an attribute name (a letter, then up to "
                     "127 letters, digits, '_', '.' or '-'), got \"1user\""},
        BadValueCase{"ofrep: {targetingKeyAttribute: 'user id'}",
                     "ofrep.targetingKeyAttribute: must be an attribute name (a letter, then up to "
                     "127 letters, digits, '_', '.' or '-'), got \"user id\""},
        BadValueCase{"ofrep: {targetingKeyAttribute: [user_id]}",
                     "ofrep.targetingKeyAttribute: must be an attribute name (a letter, then up to "
                     "127 letters, digits, '_', '.' or '-'), got a list"},
        // a non-mapping where a mapping belongs
        BadValueCase{"service: 5", "service: must be a mapping, got \"5\""},
        BadValueCase{"database: [host, port]", "database: must be a mapping, got a list"},
        BadValueCase{"s3: ''", "s3: must be a mapping, got \"\""},
        BadValueCase{"- service",
                     "the config must be a mapping of sections (service, logging, "
                     "...), got a list"},
        BadValueCase{"just text",
                     "the config must be a mapping of sections (service, logging, "
                     "...), got \"just text\""},
        // cross-key rules
        BadValueCase{"database: {driver: postgres}",
                     "database.driver: postgres needs database.url, or both database.host and "
                     "database.dbname"},
        BadValueCase{"database: {driver: postgres, host: db}",
                     "database.driver: postgres needs database.url, or both database.host and "
                     "database.dbname"},
        BadValueCase{"s3: {enable: true}", "s3.bucketName: required when s3.enable is true"},
        BadValueCase{"s3: {enable: true, bucketName: ''}",
                     "s3.bucketName: required when s3.enable is true"},
        // stream.maxConnections: integer 1..1000000
        BadValueCase{"stream: {maxConnections: lots}",
                     "stream.maxConnections: must be an integer between 1 and 1000000, got "
                     "\"lots\""},
        BadValueCase{"stream: {maxConnections: [2]}",
                     "stream.maxConnections: must be an integer between 1 and 1000000, got a list"},
        BadValueCase{"stream: {maxConnections: -2}",
                     "stream.maxConnections: must be an integer between 1 and 1000000, got "
                     "\"-2\""},
        BadValueCase{"stream: {maxConnections: 0}",
                     "stream.maxConnections: must be an integer between 1 and 1000000, got "
                     "\"0\""},
        BadValueCase{"stream: {maxConnections: 1000001}",
                     "stream.maxConnections: must be an integer between 1 and 1000000, got "
                     "\"1000001\""},
        BadValueCase{"stream: {maxConnections: 2.5}",
                     "stream.maxConnections: must be an integer between 1 and 1000000, got "
                     "\"2.5\""},
        // stream.heartbeat: duration 10ms..1h
        BadValueCase{"stream: {heartbeat: fast}",
                     "stream.heartbeat: must be a duration between 10ms and 1h such as \"250ms\", "
                     "\"10s\" or \"5m\", got \"fast\""},
        BadValueCase{"stream: {heartbeat: 15}",
                     "stream.heartbeat: must be a duration between 10ms and 1h such as \"250ms\", "
                     "\"10s\" or \"5m\", got \"15\""},
        BadValueCase{"stream: {heartbeat: 1.5s}",
                     "stream.heartbeat: must be a duration between 10ms and 1h such as \"250ms\", "
                     "\"10s\" or \"5m\", got \"1.5s\""},
        BadValueCase{"stream: {heartbeat: -1s}",
                     "stream.heartbeat: must be a duration between 10ms and 1h such as \"250ms\", "
                     "\"10s\" or \"5m\", got \"-1s\""},
        BadValueCase{"stream: {heartbeat: 0s}",
                     "stream.heartbeat: must be a duration between 10ms and 1h such as \"250ms\", "
                     "\"10s\" or \"5m\", got \"0s\""},
        BadValueCase{"stream: {heartbeat: 9ms}",
                     "stream.heartbeat: must be a duration between 10ms and 1h such as \"250ms\", "
                     "\"10s\" or \"5m\", got \"9ms\""},
        BadValueCase{"stream: {heartbeat: 1h1ms}",
                     "stream.heartbeat: must be a duration between 10ms and 1h such as \"250ms\", "
                     "\"10s\" or \"5m\", got \"1h1ms\""},
        BadValueCase{"stream: {heartbeat: 99999999999999999999h}",
                     "stream.heartbeat: must be a duration between 10ms and 1h such as \"250ms\", "
                     "\"10s\" or \"5m\", got \"99999999999999999999h\""},
        BadValueCase{"stream: {heartbeat: {every: 1s}}",
                     "stream.heartbeat: must be a duration between 10ms and 1h such as \"250ms\", "
                     "\"10s\" or \"5m\", got a mapping"},
        // stream.inlineSnapshotBytes: integer 0..1073741824 (0 is allowed: never inline)
        BadValueCase{"stream: {inlineSnapshotBytes: 64KiB}",
                     "stream.inlineSnapshotBytes: must be an integer between 0 and 1073741824, got "
                     "\"64KiB\""},
        BadValueCase{"stream: {inlineSnapshotBytes: -1}",
                     "stream.inlineSnapshotBytes: must be an integer between 0 and 1073741824, got "
                     "\"-1\""},
        BadValueCase{"stream: {inlineSnapshotBytes: 1073741825}",
                     "stream.inlineSnapshotBytes: must be an integer between 0 and 1073741824, got "
                     "\"1073741825\""},
        BadValueCase{"stream: {inlineSnapshotBytes: [0]}",
                     "stream.inlineSnapshotBytes: must be an integer between 0 and 1073741824, got "
                     "a list"},
        // stream.maxPendingBytes: integer 1024..1073741824
        BadValueCase{"stream: {maxPendingBytes: 4MiB}",
                     "stream.maxPendingBytes: must be an integer between 1024 and 1073741824, got "
                     "\"4MiB\""},
        BadValueCase{"stream: {maxPendingBytes: -4096}",
                     "stream.maxPendingBytes: must be an integer between 1024 and 1073741824, got "
                     "\"-4096\""},
        BadValueCase{"stream: {maxPendingBytes: 0}",
                     "stream.maxPendingBytes: must be an integer between 1024 and 1073741824, got "
                     "\"0\""},
        BadValueCase{"stream: {maxPendingBytes: 1023}",
                     "stream.maxPendingBytes: must be an integer between 1024 and 1073741824, got "
                     "\"1023\""},
        BadValueCase{"stream: {maxPendingBytes: 1073741825}",
                     "stream.maxPendingBytes: must be an integer between 1024 and 1073741824, got "
                     "\"1073741825\""},
        BadValueCase{"stream: {maxPendingBytes: true}",
                     "stream.maxPendingBytes: must be an integer between 1024 and 1073741824, got "
                     "\"true\""},
        BadValueCase{"stream: 10000", "stream: must be a mapping, got \"10000\""}));

TEST(ConfigTest, PostgresNeedsUrlOrHostAndDbname) {
  EXPECT_EQ(LoadOk("database: {driver: postgres, url: 'postgresql://db/x'}").database.driver,
            DatabaseDriver::kPostgres);
  EXPECT_EQ(LoadOk("database: {driver: postgres, host: db, dbname: x}").database.driver,
            DatabaseDriver::kPostgres);
  EXPECT_EQ(LoadOk("database: {driver: postgres}", {{"DATABASE_URL", "postgresql://db/x"}})
                .database.driver,
            DatabaseDriver::kPostgres);
}

TEST(ConfigTest, JobsMaxBackoffMustNotBeShorterThanBackoff) {
  EXPECT_EQ(LoadError("jobs: {backoff: 10s, maxBackoff: 5s}"),
            "jobs.maxBackoff: must not be shorter than jobs.backoff");
  EXPECT_EQ(LoadError("", {{"JOBS_BACKOFF", "10m"}}), "jobs.maxBackoff: must not be shorter than jobs.backoff");
  EXPECT_EQ(LoadOk("jobs: {backoff: 10s, maxBackoff: 10s}").jobs.max_backoff, 10s);
  EXPECT_EQ(LoadError("jobs: {workers: 0}"), "jobs.workers: must be an integer between 1 and 64, got \"0\"");
  EXPECT_EQ(LoadError("jobs: {maxAttempts: 1001}"),
            "jobs.maxAttempts: must be an integer between 1 and 1000, got \"1001\"");
}

TEST(ConfigTest, StreamLimitsAcceptTheirBounds) {
  EXPECT_EQ(LoadOk("stream: {maxConnections: 1}").stream.max_connections, 1);
  EXPECT_EQ(LoadOk("stream: {maxConnections: 1000000}").stream.max_connections, 1'000'000);
  EXPECT_EQ(LoadOk("stream: {heartbeat: 10ms}").stream.heartbeat, 10ms);
  EXPECT_EQ(LoadOk("stream: {heartbeat: 1h}").stream.heartbeat, 1h);
  EXPECT_EQ(LoadOk("stream: {heartbeat: 59m60s}").stream.heartbeat, 1h);
  EXPECT_EQ(LoadOk("stream: {inlineSnapshotBytes: 0}").stream.inline_snapshot_bytes, 0u);
  EXPECT_EQ(LoadOk("stream: {inlineSnapshotBytes: \"1073741824\"}").stream.inline_snapshot_bytes,
            1'073'741'824u);
  EXPECT_EQ(LoadOk("stream: {maxPendingBytes: 1024}").stream.max_pending_bytes, 1024u);
  EXPECT_EQ(LoadOk("stream: {maxPendingBytes: 1073741824}").stream.max_pending_bytes,
            1'073'741'824u);
  // The environment wins over the file, as for every other section.
  EXPECT_EQ(LoadOk("stream: {heartbeat: 1m}", {{"STREAM_HEARTBEAT", "200ms"}}).stream.heartbeat,
            200ms);
  EXPECT_EQ(LoadOk("stream: {inlineSnapshotBytes: 10}", {{"STREAM_INLINESNAPSHOTBYTES", "0"}})
                .stream.inline_snapshot_bytes,
            0u);
}

TEST(ConfigTest, EchoedValuesAreShortAndPrintable) {
  const std::string message = LoadError("service: {port: \"" + std::string(5000, '7') + "\"}");
  EXPECT_LT(message.size(), 200u) << message;
  EXPECT_NE(message.find("\"..."), std::string::npos) << message;
  EXPECT_EQ(LoadError("logging: {level: \"a\\nb\\u0001\"}"),
            "logging.level: must be one of debug, info, warn, error, got \"a\\nb\\x01\"");
  const std::string env_message = LoadError("", {{"SERVICE_PORT", std::string(100'000, 'x')}});
  EXPECT_LT(env_message.size(), 300u);
  EXPECT_TRUE(env_message.starts_with("SERVICE_PORT=xxxx")) << env_message;
}

TEST(ConfigTest, YamlSyntaxErrorsAreRefusedWithTheirPosition) {
  const std::string unclosed = LoadError("service:\n  port: [1, 2\n");
  EXPECT_TRUE(unclosed.starts_with("YAML syntax error at line ")) << unclosed;
  // yaml-cpp itself would take an unclosed quote as running to the end of the text.
  EXPECT_EQ(LoadError("service:\n  name: \"aurora\n"),
            "YAML syntax error at line 2: the quoted string starting there is not closed");
  EXPECT_EQ(LoadError("service:\n  bind: '0.0.0.0\n  port: 1\n"),
            "YAML syntax error at line 2: the quoted string starting there is not closed");
  const std::string indent = LoadError("service:\n  name: a\n port: 1\n");
  EXPECT_TRUE(indent.starts_with("YAML syntax error at line 3")) << indent;
  const std::string tab = LoadError("service:\n\tname: a\n");
  EXPECT_TRUE(tab.starts_with("YAML syntax error")) << tab;
  const std::string alias = LoadError("service: *nowhere\n");
  EXPECT_TRUE(alias.starts_with("YAML syntax error")) << alias;
}

TEST(ConfigTest, MoreThanOneDocumentIsRefused) {
  EXPECT_EQ(LoadError("service: {port: 1}\n---\nservice: {port: 2}\n"),
            "the config holds more than one YAML document");
}

TEST(ConfigTest, AMegabyteDocumentLoads) {
  std::string yaml =
      "service:\n  name: " + std::string(1'000'000, 'n') + "\nauth:\n  corsOrigins:\n";
  for (int i = 0; yaml.size() < 2'000'000; ++i)
    yaml += "    - https://o" + std::to_string(i) + ".example\n";
  const Config config = LoadOk(yaml);
  EXPECT_EQ(config.service.name.size(), 1'000'000u);
  EXPECT_GT(config.auth.cors_origins.size(), 10'000u);
}

TEST(ConfigTest, AMegabyteOfGarbageIsRefusedWithoutCrashing) {
  std::mt19937 random(42);
  std::uniform_int_distribution<int> byte(1, 255);  // NUL alone would be refused up front
  std::string garbage(1 << 20, '\0');
  for (char& c : garbage) c = static_cast<char>(byte(random));
  EXPECT_FALSE(LoadConfig(garbage, {}).has_value());

  // Printable YAML punctuation soup, which exercises the scanner rather than the UTF-8 decoder.
  constexpr std::string_view kAlphabet = "[]{}:,-?'\"#|>&*!%@` \n\tab01";
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  for (char& c : garbage) c = kAlphabet[pick(random)];
  EXPECT_FALSE(LoadConfig(garbage, {}).has_value());
}

TEST(ConfigTest, OversizedTextIsRefused) {
  const std::string yaml = "# " + std::string(kMaxConfigBytes, 'x');
  EXPECT_EQ(LoadError(yaml), "the config is " + std::to_string(yaml.size()) +
                                 " bytes, more than the " + std::to_string(kMaxConfigBytes) +
                                 " allowed");
}

TEST(ConfigTest, DeepNestingIsRefusedBeforeYamlCppRecurses) {
  const std::string nesting_error =
      "the config nests deeper than " + std::to_string(kMaxConfigNesting) + " levels";
  std::vector<std::pair<std::string, std::string>> documents = {
      {"flow mappings 10000", Repeat("{a: ", 10'000) + "1" + Repeat("}", 10'000)},
      {"flow mappings 100000 unclosed", Repeat("{a: ", 100'000)},
      {"flow sequences 10000", Repeat("[", 10'000) + Repeat("]", 10'000)},
      {"flow inside a key", "service:\n  name: " + Repeat("[", 10'000) + Repeat("]", 10'000)},
      {"flow across lines", Repeat("[\n", 10'000)},
      {"block sequences 10000", Repeat("- ", 10'000) + "x\n"},
      {"complex keys 10000", Repeat("? ", 10'000) + "x\n"},
      {"anchored flow", Repeat("&a [", 10'000)},
      {"tagged flow", "service: !!map " + Repeat("[", 10'000)},
      {"after a document marker", "--- " + Repeat("[", 10'000)},
      {"carriage returns", Repeat("[\r", 10'000)},
      {"second key of a list item", "- k: v\n  o: " + Repeat("[", 10'000)},
      {"json style", Repeat("{\"a\":", 10'000)},
  };
  std::string block_mappings;  // one space per level: 2000 levels in 2 MB
  for (int level = 0; level < 2'000; ++level) {
    block_mappings += std::string(static_cast<std::size_t>(level), ' ') + "a:\n";
  }
  documents.emplace_back("block mappings 2000", std::move(block_mappings));

  RunOnSmallStack([&] {
    for (const auto& [name, yaml] : documents) {
      auto config = LoadConfig(yaml, {});
      ASSERT_FALSE(config.has_value()) << name;
      EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument) << name;
      EXPECT_EQ(config.error().message, nesting_error) << name;
    }
    // A real config still loads on the same small stack.
    auto config = LoadConfig(kDesignSample, {});
    EXPECT_TRUE(config.has_value());
  });
}

TEST(ConfigTest, NestingPreCheckIgnoresQuotedCommentedAndBlockText) {
  const std::string brackets = Repeat("[{", 100);
  const Config config =
      LoadOk("service:\n  name: '" + brackets + "'\n  bind: \"" + brackets + "\"  # " + brackets +
             "\n# " + brackets + "\ndatabase:\n  password: a" + brackets + "\n  user: |\n" + [] {
               std::string text;
               for (int i = 1; i <= 100; ++i) {
                 text += std::string(static_cast<std::size_t>(i) + 4, ' ') + "x\n";
               }
               return text;
             }());
  EXPECT_EQ(config.service.name, brackets);
  EXPECT_EQ(config.service.bind, brackets);
  EXPECT_EQ(config.database.password, "a" + brackets);
  EXPECT_EQ(config.database.user.substr(0, 2), "x\n");

  // A plain value may go on below its key; a quote there is just text.
  EXPECT_EQ(LoadOk("service:\n  name: it\n    's fine\n").service.name, "it 's fine");
  EXPECT_EQ(LoadOk("auth:\n  corsOrigins: [\"https://a\",'https://b', x'y]\n").auth.cors_origins,
            (std::vector<std::string>{"https://a", "https://b", "x'y"}));
}

TEST(ConfigTest, RecursiveAliasesAreRefusedWithoutRecursing) {
  EXPECT_EQ(LoadError("auth: {corsOrigins: &a [*a]}"),
            "auth.corsOrigins[0]: must be a non-empty string, got a list");
  EXPECT_EQ(LoadError("service: &s {name: x}\ndatabase: *s\n"), "unknown key database.name");
  EXPECT_EQ(LoadError("x: &a [y, y]\ny: &b [*a, *a]\n"), "unknown key x");
}

TEST(ConfigTest, NulBytesAndUtf16AreRefused) {
  EXPECT_EQ(LoadError(std::string("service:\n  name: a\0b\n", 21)),
            "the config contains a NUL byte; it must be UTF-8 text");
  const std::string utf16le("\xFF\xFEs\0:\0 \0{\0}\0", 12);
  EXPECT_EQ(LoadError(utf16le), "the config contains a NUL byte; it must be UTF-8 text");
}

TEST(ConfigTest, MissingFileIsAnErrorNamingIt) {
  auto config = LoadConfigFile("/nonexistent/aurora/config.yaml", {});
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(config.error().message, "config file /nonexistent/aurora/config.yaml does not exist");
}

TEST(ConfigTest, DirectoryIsNotAConfigFile) {
  const std::string dir = std::filesystem::temp_directory_path().string();
  auto config = LoadConfigFile(dir, {});
  ASSERT_FALSE(config.has_value());
  EXPECT_NE(config.error().message.find(dir), std::string::npos);
}

TEST(ConfigTest, FileIsReadAndItsErrorsNameIt) {
  const TempFile good("service:\n  port: 7777\n");
  auto config = LoadConfigFile(good.path(), {{"SERVICE_NAME", "env"}});
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->service.port, 7777);
  EXPECT_EQ(config->service.name, "env");

  const TempFile bad("database:\n  hostt: x\n");
  auto refused = LoadConfigFile(bad.path(), {});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().message, bad.path() + ": unknown key database.hostt");

  auto env_refused = LoadConfigFile(good.path(), {{"SERVICE_PORT", "abc"}});
  ASSERT_FALSE(env_refused.has_value());
  EXPECT_TRUE(env_refused.error().message.starts_with("SERVICE_PORT=abc: "));
}

TEST(ConfigTest, OversizedFileIsRefused) {
  const TempFile big("# " + std::string(kMaxConfigBytes, 'x'));
  auto config = LoadConfigFile(big.path(), {});
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().message, big.path() + ": the config is larger than " +
                                        std::to_string(kMaxConfigBytes) + " bytes");
}

TEST(ConfigTest, PostgresDsnPrefersTheUrl) {
  Config config;
  config.database.url = "postgresql://u:p@db:5432/x?sslmode=require";
  config.database.host = "ignored";
  EXPECT_EQ(config.PostgresDsn(), "postgresql://u:p@db:5432/x?sslmode=require");
}

TEST(ConfigTest, PostgresDsnIsBuiltFromTheFields) {
  Config config;
  EXPECT_EQ(config.PostgresDsn(), "port='5432' sslmode='prefer'");
  config.database.host = "db.example.com";
  config.database.port = 6432;
  config.database.dbname = "aurora";
  config.database.user = "app";
  config.database.password = "pw";
  config.database.sslmode = SslMode::kVerifyFull;
  EXPECT_EQ(config.PostgresDsn(),
            "host='db.example.com' port='6432' dbname='aurora' user='app' password='pw' "
            "sslmode='verify-full'");
}

TEST(ConfigTest, PostgresDsnQuotesEveryValue) {
  Config config;
  config.database.host = "/var/run/postgresql";
  config.database.user = "o'brien";
  config.database.password = R"(p a\ss'word= x)";
  config.database.dbname = "my db";
  EXPECT_EQ(config.PostgresDsn(),
            R"(host='/var/run/postgresql' port='5432' dbname='my db' user='o\'brien' )"
            R"(password='p a\\ss\'word= x' sslmode='prefer')");
}

TEST(ConfigTest, SslModesHaveTheirLibpqNames) {
  EXPECT_EQ(SslModeName(SslMode::kDisable), "disable");
  EXPECT_EQ(SslModeName(SslMode::kAllow), "allow");
  EXPECT_EQ(SslModeName(SslMode::kPrefer), "prefer");
  EXPECT_EQ(SslModeName(SslMode::kRequire), "require");
  EXPECT_EQ(SslModeName(SslMode::kVerifyCa), "verify-ca");
  EXPECT_EQ(SslModeName(SslMode::kVerifyFull), "verify-full");
  EXPECT_EQ(ServiceEnvName(ServiceEnv::kProduction), "production");
  EXPECT_EQ(LogLevelName(LogLevel::kWarn), "warn");
  EXPECT_EQ(LogFormatName(LogFormat::kJson), "json");
  EXPECT_EQ(DatabaseDriverName(DatabaseDriver::kPostgres), "postgres");
}

TEST(ParseDurationTest, ReadsEachUnitAndCombinations) {
  const std::vector<std::pair<std::string, std::chrono::milliseconds>> cases = {
      {"250ms", 250ms}, {"10s", 10s},        {"5m", 5min},   {"1h", 1h},
      {"0ms", 0ms},     {"1h30m", 90min},    {"1m30s", 90s}, {"2s500ms", 2500ms},
      {"007s", 7s},     {"86400000ms", 24h}, {"1s1s", 2s},
  };
  for (const auto& [text, expected] : cases) {
    auto duration = ParseDuration(text);
    ASSERT_TRUE(duration.has_value()) << text << ": " << duration.error().message;
    EXPECT_EQ(*duration, expected) << text;
  }
}

TEST(ParseDurationTest, RefusesAnythingElse) {
  for (const std::string text : {"",
                                 "10",
                                 "s",
                                 "ms",
                                 "-1s",
                                 "+1s",
                                 "1.5s",
                                 "10 s",
                                 " 10s",
                                 "10s ",
                                 "10S",
                                 "1d",
                                 "10us",
                                 "10ns",
                                 "1h-5m",
                                 "1hm",
                                 "1sms",
                                 "99999999999999999999s",
                                 "9223372036854775807h",
                                 "2562047788015216h",
                                 "5000000000000000000ms5000000000000000000ms",
                                 "s10",
                                 "1_000ms"}) {
    auto duration = ParseDuration(text);
    ASSERT_FALSE(duration.has_value()) << text;
    EXPECT_EQ(duration.error().code, ErrorCode::kInvalidArgument);
    EXPECT_TRUE(duration.error().message.starts_with("expected a duration such as"))
        << duration.error().message;
  }
}

}  // namespace
}  // namespace aurora::server
