#include "server/config/config.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <system_error>
#include <utility>

#include <unistd.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

namespace aurora::server {
namespace {

template <class E>
struct Word {
  std::string_view text;
  E value;
};

constexpr std::array kServiceEnvs{Word<ServiceEnv>{"development", ServiceEnv::kDevelopment},
                                  Word<ServiceEnv>{"staging", ServiceEnv::kStaging},
                                  Word<ServiceEnv>{"production", ServiceEnv::kProduction}};
constexpr std::array kLogLevels{
    Word<LogLevel>{"debug", LogLevel::kDebug}, Word<LogLevel>{"info", LogLevel::kInfo},
    Word<LogLevel>{"warn", LogLevel::kWarn}, Word<LogLevel>{"error", LogLevel::kError}};
constexpr std::array kLogFormats{Word<LogFormat>{"text", LogFormat::kText},
                                 Word<LogFormat>{"json", LogFormat::kJson}};
constexpr std::array kDatabaseDrivers{Word<DatabaseDriver>{"sqlite", DatabaseDriver::kSqlite},
                                      Word<DatabaseDriver>{"postgres", DatabaseDriver::kPostgres}};
constexpr std::array kSslModes{Word<SslMode>{"disable", SslMode::kDisable},
                               Word<SslMode>{"allow", SslMode::kAllow},
                               Word<SslMode>{"prefer", SslMode::kPrefer},
                               Word<SslMode>{"require", SslMode::kRequire},
                               Word<SslMode>{"verify-ca", SslMode::kVerifyCa},
                               Word<SslMode>{"verify-full", SslMode::kVerifyFull}};

template <class E, std::size_t N>
std::string_view NameOf(const std::array<Word<E>, N>& words, E value) {
  for (const auto& word : words) {
    if (word.value == value) return word.text;
  }
  return "?";
}

template <class E, std::size_t N>
std::string WordList(const std::array<Word<E>, N>& words) {
  std::string list;
  for (const auto& word : words) {
    if (!list.empty()) list += ", ";
    list += word.text;
  }
  return list;
}

// Values and keys are echoed into error messages, which end up in logs: keep them short and
// free of control characters whatever the input was.
constexpr std::size_t kMaxEchoBytes = 64;

std::string Printable(std::string_view text) {
  std::size_t cut = text.size();
  if (cut > kMaxEchoBytes) {
    cut = kMaxEchoBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  }
  std::string out;
  for (char c : text.substr(0, cut)) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (byte < 0x20 || byte == 0x7F) {
      constexpr std::string_view kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    } else {
      out += c;
    }
  }
  if (cut < text.size()) out += "...";
  return out;
}

std::string Quote(std::string_view text) {
  std::string out = "\"" + Printable(text);
  // Printable() marks a cut with "..."; keep it outside the quotes so the quoted part is exact.
  if (text.size() > kMaxEchoBytes) {
    out.insert(out.size() - 3, "\"");
    return out;
  }
  return out + "\"";
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
char AsciiUpper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

std::string_view TrimSpaces(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

Error Invalid(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message)};
}

std::optional<std::int64_t> ParseInteger(std::string_view text) {
  // from_chars takes a leading '-'; require a digit first so "-5" is refused like "+5" is.
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<bool> ParseBool(std::string_view text) {
  for (std::string_view yes : {"true", "yes", "on", "1"}) {
    if (EqualsIgnoringCase(text, yes)) return true;
  }
  for (std::string_view no : {"false", "no", "off", "0"}) {
    if (EqualsIgnoringCase(text, no)) return false;
  }
  return std::nullopt;
}

// What the loader builds: the config, plus whether logging.format was given, because its
// default depends on service.env, which an environment variable may still change.
struct LoadState {
  Config config;
  bool format_given = false;
};

// One configuration key. A scalar key has `set`, which returns false when the text is not
// acceptable; a list key has `set_list`. `expectation` completes "<key>: ..., got <value>".
struct Field {
  std::string section;
  std::string key;
  std::string path;      // "s3.bucketName"
  std::string env_name;  // "S3_BUCKETNAME"
  std::string expectation;
  std::function<bool(LoadState&, std::string_view)> set;
  std::function<void(LoadState&, std::vector<std::string>)> set_list;
};

Field MakeField(std::string_view section, std::string_view key, std::string expectation) {
  Field field;
  field.section = section;
  field.key = key;
  field.path = field.section + "." + field.key;
  for (char c : field.path) field.env_name += c == '.' ? '_' : AsciiUpper(c);
  field.expectation = std::move(expectation);
  return field;
}

template <class S>
Field StringField(std::string_view section, std::string_view key, S Config::*part,
                  std::string S::*member, bool required) {
  Field field =
      MakeField(section, key, required ? "must be a non-empty string" : "must be a string");
  field.set = [part, member, required](LoadState& state, std::string_view text) {
    if (required && text.empty()) return false;
    state.config.*part.*member = std::string(text);
    return true;
  };
  return field;
}

template <class S, class T>
Field IntegerField(std::string_view section, std::string_view key, S Config::*part, T S::*member,
                   std::int64_t min, std::int64_t max) {
  Field field = MakeField(
      section, key,
      "must be an integer between " + std::to_string(min) + " and " + std::to_string(max));
  field.set = [part, member, min, max](LoadState& state, std::string_view text) {
    const auto value = ParseInteger(text);
    if (!value || *value < min || *value > max) return false;
    state.config.*part.*member = static_cast<T>(*value);
    return true;
  };
  return field;
}

template <class S>
Field BoolField(std::string_view section, std::string_view key, S Config::*part, bool S::*member) {
  Field field = MakeField(section, key, "must be true or false (or yes/no, on/off, 1/0)");
  field.set = [part, member](LoadState& state, std::string_view text) {
    const auto value = ParseBool(text);
    if (!value) return false;
    state.config.*part.*member = *value;
    return true;
  };
  return field;
}

constexpr std::chrono::milliseconds kMinTimeout{1};
constexpr std::chrono::milliseconds kMaxTimeout = std::chrono::hours{24};

// A bound as a config value: "10ms", "15s", "24h" (the largest unit that divides it).
std::string DurationText(std::chrono::milliseconds duration) {
  const std::int64_t ms = duration.count();
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms != 0 && ms % 1'000 == 0) return std::to_string(ms / 1'000) + "s";
  return std::to_string(ms) + "ms";
}

template <class S>
Field DurationField(std::string_view section, std::string_view key, S Config::*part,
                    std::chrono::milliseconds S::*member,
                    std::chrono::milliseconds min = kMinTimeout,
                    std::chrono::milliseconds max = kMaxTimeout) {
  Field field = MakeField(section, key,
                          "must be a duration between " + DurationText(min) + " and " +
                              DurationText(max) + " such as \"250ms\", \"10s\" or \"5m\"");
  field.set = [part, member, min, max](LoadState& state, std::string_view text) {
    const auto value = ParseDuration(text);
    if (!value || *value < min || *value > max) return false;
    state.config.*part.*member = *value;
    return true;
  };
  return field;
}

template <class S, class E, std::size_t N>
Field EnumField(std::string_view section, std::string_view key, S Config::*part, E S::*member,
                const std::array<Word<E>, N>& words) {
  Field field = MakeField(section, key, "must be one of " + WordList(words));
  field.set = [part, member, &words](LoadState& state, std::string_view text) {
    for (const auto& word : words) {
      if (word.text == text) {
        state.config.*part.*member = word.value;
        return true;
      }
    }
    return false;
  };
  return field;
}

std::vector<Field> BuildFields() {
  using C = Config;
  std::vector<Field> fields;
  fields.push_back(StringField("service", "name", &C::service, &C::Service::name, true));
  fields.push_back(EnumField("service", "env", &C::service, &C::Service::env, kServiceEnvs));
  fields.push_back(IntegerField("service", "port", &C::service, &C::Service::port, 1, 65535));
  fields.push_back(StringField("service", "bind", &C::service, &C::Service::bind, true));

  fields.push_back(EnumField("logging", "level", &C::logging, &C::Logging::level, kLogLevels));
  Field format = EnumField("logging", "format", &C::logging, &C::Logging::format, kLogFormats);
  format.set = [inner = std::move(format.set)](LoadState& state, std::string_view text) {
    if (!inner(state, text)) return false;
    state.format_given = true;
    return true;
  };
  fields.push_back(std::move(format));

  fields.push_back(
      EnumField("database", "driver", &C::database, &C::Database::driver, kDatabaseDrivers));
  fields.push_back(StringField("database", "path", &C::database, &C::Database::path, true));
  fields.push_back(StringField("database", "url", &C::database, &C::Database::url, false));
  fields.push_back(StringField("database", "host", &C::database, &C::Database::host, false));
  fields.push_back(IntegerField("database", "port", &C::database, &C::Database::port, 1, 65535));
  fields.push_back(StringField("database", "user", &C::database, &C::Database::user, false));
  fields.push_back(
      StringField("database", "password", &C::database, &C::Database::password, false));
  fields.push_back(StringField("database", "dbname", &C::database, &C::Database::dbname, false));
  fields.push_back(
      EnumField("database", "sslmode", &C::database, &C::Database::sslmode, kSslModes));
  // More pooled connections than PostgreSQL's usual server limit is a typo, not a plan.
  fields.push_back(IntegerField("database", "maxConnections", &C::database,
                                &C::Database::max_connections, 1, 10'000));

  fields.push_back(BoolField("s3", "enable", &C::s3, &C::S3::enabled));
  fields.push_back(StringField("s3", "bucketName", &C::s3, &C::S3::bucket_name, false));
  fields.push_back(StringField("s3", "region", &C::s3, &C::S3::region, true));
  Field endpoint = MakeField("s3", "endpoint", "must be an http:// or https:// URL");
  endpoint.set = [](LoadState& state, std::string_view text) {
    const bool http = text.starts_with("http://") && text.size() > 7;
    const bool https = text.starts_with("https://") && text.size() > 8;
    if (!text.empty() && !http && !https) return false;
    state.config.s3.endpoint = std::string(text);
    return true;
  };
  fields.push_back(std::move(endpoint));
  fields.push_back(StringField("s3", "prefix", &C::s3, &C::S3::prefix, false));
  fields.push_back(StringField("s3", "accessKey", &C::s3, &C::S3::access_key, false));
  fields.push_back(StringField("s3", "secretKey", &C::s3, &C::S3::secret_key, false));
  fields.push_back(BoolField("s3", "pathStyle", &C::s3, &C::S3::path_style));
  fields.push_back(DurationField("s3", "timeout", &C::s3, &C::S3::timeout));

  Field issuer = MakeField("auth.oidc", "issuer", "must be an http:// or https:// URL");
  issuer.set = [](LoadState& state, std::string_view text) {
    if (!text.empty() && !text.starts_with("http://") && !text.starts_with("https://")) return false;
    state.config.oidc.issuer = std::string(text);
    return true;
  };
  fields.push_back(std::move(issuer));
  fields.push_back(StringField("auth.oidc", "clientId", &C::oidc, &C::Oidc::client_id, false));
  fields.push_back(StringField("auth.oidc", "clientSecret", &C::oidc, &C::Oidc::client_secret, false));
  fields.push_back(StringField("auth.oidc", "roleClaim", &C::oidc, &C::Oidc::role_claim, false));
  fields.push_back(StringField("auth.oidc", "scopes", &C::oidc, &C::Oidc::scopes, true));

  Field public_url = MakeField("server", "publicUrl", "must be an http:// or https:// URL without a path, such as https://flags.example.com");
  public_url.set = [](LoadState& state, std::string_view text) {
    const auto scheme = text.find("://");
    if (text.empty()) {
      state.config.server.public_url.clear();
      return true;
    }
    if (scheme == std::string_view::npos || (text.substr(0, scheme) != "http" && text.substr(0, scheme) != "https")) {
      return false;
    }
    std::string_view host = text.substr(scheme + 3);
    while (!host.empty() && host.back() == '/') host.remove_suffix(1);
    if (host.empty() || host.find_first_of("/?#@ ") != std::string_view::npos) return false;
    state.config.server.public_url = std::string(text.substr(0, scheme + 3)) + std::string(host);
    return true;
  };
  fields.push_back(std::move(public_url));

  fields.push_back(BoolField("auth", "enabled", &C::auth, &C::Auth::enabled));
  fields.push_back(DurationField("auth", "sessionIdle", &C::auth, &C::Auth::session_idle, std::chrono::seconds{1},
                                 std::chrono::hours{24 * 366}));
  fields.push_back(DurationField("auth", "sessionLifetime", &C::auth, &C::Auth::session_lifetime,
                                 std::chrono::seconds{1}, std::chrono::hours{24 * 366}));
  fields.push_back(IntegerField("auth", "loginFailureLimit", &C::auth, &C::Auth::login_failure_limit, 1, 1000));
  fields.push_back(DurationField("auth", "loginFailureWindow", &C::auth, &C::Auth::login_failure_window,
                                 std::chrono::seconds{1}, std::chrono::hours{24}));
  Field origins = MakeField("auth", "corsOrigins", "must be a list of non-empty strings");
  origins.set_list = [](LoadState& state, std::vector<std::string> items) {
    state.config.auth.cors_origins = std::move(items);
  };
  fields.push_back(std::move(origins));

  // The server buffers a request body in memory; beyond 1 GiB that is a typo, not a plan.
  fields.push_back(IntegerField("http", "maxBodyBytes", &C::http, &C::Http::max_body_bytes, 1,
                                std::int64_t{1} << 30));
  fields.push_back(DurationField("http", "readTimeout", &C::http, &C::Http::read_timeout));
  fields.push_back(DurationField("http", "idleTimeout", &C::http, &C::Http::idle_timeout));
  fields.push_back(
      IntegerField("http", "workerThreads", &C::http, &C::Http::worker_threads, 1, 1024));
  fields.push_back(IntegerField("http", "ioThreads", &C::http, &C::Http::io_threads, 1, 1024));
  fields.push_back(
      IntegerField("http", "maxConnections", &C::http, &C::Http::max_connections, 1, 1'000'000));

  fields.push_back(StringField("publish", "dir", &C::publish, &C::Publish::dir, false));

  fields.push_back(BoolField("jobs", "enabled", &C::jobs, &C::Jobs::enabled));
  fields.push_back(IntegerField("jobs", "workers", &C::jobs, &C::Jobs::workers, 1, 64));
  fields.push_back(IntegerField("jobs", "maxAttempts", &C::jobs, &C::Jobs::max_attempts, 1, 1000));
  fields.push_back(DurationField("jobs", "pollInterval", &C::jobs, &C::Jobs::poll_interval));
  fields.push_back(DurationField("jobs", "lease", &C::jobs, &C::Jobs::lease));
  fields.push_back(DurationField("jobs", "backoff", &C::jobs, &C::Jobs::backoff));
  fields.push_back(DurationField("jobs", "maxBackoff", &C::jobs, &C::Jobs::max_backoff));
  fields.push_back(DurationField("jobs", "publishDelay", &C::jobs, &C::Jobs::publish_delay));
  fields.push_back(
      DurationField("jobs", "schedulerInterval", &C::jobs, &C::Jobs::scheduler_interval));
  fields.push_back(DurationField("jobs", "retention", &C::jobs, &C::Jobs::retention));

  // Streams share http.maxConnections' ceiling: each one is a connection too.
  fields.push_back(IntegerField("stream", "maxConnections", &C::stream, &C::Stream::max_connections,
                                1, 1'000'000));
  // Below 10ms the pings are load, not keep-alive; SDKs take 45 s of silence as a broken stream.
  fields.push_back(DurationField("stream", "heartbeat", &C::stream, &C::Stream::heartbeat,
                                 std::chrono::milliseconds{10}, std::chrono::hours{1}));
  fields.push_back(IntegerField("stream", "inlineSnapshotBytes", &C::stream,
                                &C::Stream::inline_snapshot_bytes, 0, std::int64_t{1} << 30));
  // 1 KiB still holds a burst of revision notices and pings; beyond 1 GiB per client is a typo.
  fields.push_back(IntegerField("stream", "maxPendingBytes", &C::stream,
                                &C::Stream::max_pending_bytes, 1024, std::int64_t{1} << 30));

  // An attribute name (SPEC §2), so it can be referenced by rules and rollouts.
  Field targeting = MakeField("ofrep", "targetingKeyAttribute",
                              "must be an attribute name (a letter, then up to 127 letters, "
                              "digits, '_', '.' or '-')");
  targeting.set = [](LoadState& state, std::string_view text) {
    const auto is_letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
    if (text.empty() || text.size() > 128 || !is_letter(text.front())) return false;
    for (char c : text) {
      const bool other = c == '_' || c == '.' || c == '-' || (c >= '0' && c <= '9');
      if (!is_letter(c) && !other) return false;
    }
    state.config.ofrep.targeting_key_attribute = std::string(text);
    return true;
  };
  fields.push_back(std::move(targeting));

  // An environment name (SPEC §10); the server refuses to start when it does not exist.
  Field default_environment = MakeField("environments", "default",
                                        "must be an environment name (a lower-case letter, then up to 31 "
                                        "lower-case letters, digits or '-')");
  default_environment.set = [](LoadState& state, std::string_view text) {
    if (text.empty() || text.size() > 32 || text.front() < 'a' || text.front() > 'z') return false;
    for (char c : text) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    state.config.environments.default_environment = std::string(text);
    return true;
  };
  fields.push_back(std::move(default_environment));
  return fields;
}

const std::vector<Field>& Fields() {
  static const std::vector<Field> fields = BuildFields();
  return fields;
}

bool IsSection(std::string_view name) {
  for (const Field& field : Fields()) {
    if (field.section == name) return true;
  }
  return false;
}

const Field* FindField(std::string_view section, std::string_view key) {
  for (const Field& field : Fields()) {
    if (field.section == section && field.key == key) return &field;
  }
  return nullptr;
}

// "unknown key s3.bucketname (did you mean s3.bucketName?)": keys are case-sensitive and
// camelCase, the most likely slip.
std::string UnknownKey(std::string_view section, std::string_view key) {
  std::string message = "unknown key ";
  if (!section.empty()) message += std::string(section) + ".";
  message += Printable(key);
  for (const Field& field : Fields()) {
    const bool top = section.empty();
    const std::string_view candidate = top ? std::string_view(field.section) : field.key;
    if ((top || field.section == section) && EqualsIgnoringCase(candidate, key)) {
      message += " (did you mean " + (top ? field.section : field.path) + "?)";
      break;
    }
  }
  return message;
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

bool IsFlowIndicator(char c) { return c == ',' || c == '[' || c == ']' || c == '{' || c == '}'; }

// One pass over the text before yaml-cpp sees it, for two things yaml-cpp gets wrong:
//  - it parses recursively, one level per nested collection, and its own guard (2000 frames,
//    about 500 levels) is too deep for a small thread stack: refuse nesting beyond `limit`;
//  - it takes a quoted scalar left open at the end of the text as running to the end, silently
//    swallowing the keys below it into the value: refuse it.
// It estimates rather than parses. Block depth is the number of open indentation levels plus
// the "- " / "? " indicators that start the line; flow depth counts '[' and '{' where a value
// starts. Quoted text, comments, block scalars and continuation lines of a scalar are skipped.
// Valid configs are 3 levels deep, so the estimate has room; whatever it misjudges still meets
// yaml-cpp's guard, which the caller catches.
std::optional<std::string> FindShapeProblem(std::string_view text, int limit) {
  const std::string too_deep = "the config nests deeper than " + std::to_string(limit) + " levels";
  std::vector<std::size_t> indents;
  int block_depth = 0;
  int flow_depth = 0;
  char quote = 0;
  std::size_t line_number = 0;
  std::size_t quote_line = 0;
  // After `key: |` (a block scalar) or `key: some text` (which may go on below), lines indented
  // deeper than the key are text, not structure; npos when the last line set no such column.
  std::size_t text_deeper_than = std::string_view::npos;
  std::size_t line_start = 0;
  while (line_start < text.size()) {
    // YAML ends a line at LF or CRLF; yaml-cpp does not take a lone CR as one, but counting it
    // only makes the estimate larger.
    std::size_t line_end = text.find_first_of("\r\n", line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    const std::string_view line = text.substr(line_start, line_end - line_start);
    if (line_end == text.size() || text[line_end] == '\n') ++line_number;
    line_start = line_end + 1;

    const bool block_context = quote == 0 && flow_depth == 0;
    std::size_t i = 0;
    if (block_context) {
      const std::size_t first = line.find_first_not_of(" \t");
      if (first == std::string_view::npos || line[first] == '#') continue;
      const std::size_t indent = line.find_first_not_of(' ');
      if (text_deeper_than != std::string_view::npos && indent > text_deeper_than) continue;
      text_deeper_than = std::string_view::npos;
      if (indent == 0 && (line.starts_with("---") || line.starts_with("...")) &&
          (line.size() == 3 || IsBlank(line[3]))) {
        indents.clear();  // a document marker; "--- [" may open a value on the same line
        i = 3;
      }
      while (!indents.empty() && indents.back() > indent) indents.pop_back();
      if (indents.empty() || indents.back() < indent) indents.push_back(indent);
      int indicators = 0;
      i = std::min(line.size(), line.find_first_not_of(" \t", std::max(i, indent)));
      while (i < line.size() && (line[i] == '-' || line[i] == '?') &&
             (i + 1 == line.size() || IsBlank(line[i + 1]))) {
        ++indicators;
        i = std::min(line.size(), line.find_first_not_of(" \t", i + 1));
      }
      block_depth = static_cast<int>(indents.size()) + indicators;
      if (block_depth > limit) return too_deep;
    }
    const std::size_t content_column = i;

    // Whether a value may start here: at the line start, after "key: " and, inside a flow
    // collection, after '[', '{' or ','. Only there do quotes and brackets mean anything.
    bool at_value = true;
    bool after_blank = true;
    bool after_quoted = false;  // `{"key":"value"}` needs no blank after the ':'
    for (; i < line.size(); ++i) {
      const char c = line[i];
      if (quote != 0) {
        if (quote == '"' && c == '\\') {
          ++i;
        } else if (c == quote) {
          if (quote == '\'' && i + 1 < line.size() && line[i + 1] == '\'') {
            ++i;  // '' is an escaped quote
          } else {
            quote = 0;
            at_value = false;
            after_blank = false;
            after_quoted = true;
          }
        }
        continue;
      }
      if (IsBlank(c)) {
        after_blank = true;
        continue;
      }
      if (c == '#' && after_blank) break;
      const bool ends_plain = i + 1 == line.size() || IsBlank(line[i + 1]) ||
                              (flow_depth > 0 && IsFlowIndicator(line[i + 1]));
      const bool quoted_key = after_quoted;
      after_blank = false;
      after_quoted = false;
      if ((c == '\'' || c == '"') && at_value) {
        quote = c;
        quote_line = line_number;
      } else if ((c == '[' || c == '{') && (at_value || flow_depth > 0)) {
        ++flow_depth;
        if (block_depth + flow_depth > limit) return too_deep;
        at_value = true;
      } else if ((c == ']' || c == '}') && flow_depth > 0) {
        --flow_depth;
        at_value = false;
      } else if ((c == ',' && flow_depth > 0) ||
                 (c == ':' && (ends_plain || (flow_depth > 0 && quoted_key)))) {
        at_value = true;  // the next entry, or a mapping value, follows
      } else if (at_value && (c == '&' || c == '!')) {
        // An anchor or tag may precede the value: `key: &name [ ... ]`.
        while (i + 1 < line.size() && !IsBlank(line[i + 1]) &&
               (flow_depth == 0 || !IsFlowIndicator(line[i + 1]))) {
          ++i;
        }
      } else {
        at_value = false;
      }
    }

    // After `key: some text` or `key: |` the lines indented deeper than the key are text.
    if (block_context && quote == 0 && flow_depth == 0 && !at_value) {
      text_deeper_than = content_column;
    }
  }
  if (quote != 0) {
    return "YAML syntax error at line " + std::to_string(quote_line) +
           ": the quoted string starting there is not closed";
  }
  return std::nullopt;
}

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return Quote(node.Scalar());
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

std::optional<Error> ApplyValue(const Field& field, const YAML::Node& value, LoadState& state) {
  if (field.set_list) {
    if (!value.IsSequence()) {
      return Invalid(field.path + ": " + field.expectation + ", got " + Describe(value));
    }
    std::vector<std::string> items;
    for (const YAML::Node& item : value) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        return Invalid(field.path + "[" + std::to_string(items.size()) +
                       "]: must be a non-empty string, got " + Describe(item));
      }
      items.push_back(item.Scalar());
    }
    field.set_list(state, std::move(items));
    return std::nullopt;
  }
  if (!value.IsScalar() || !field.set(state, value.Scalar())) {
    return Invalid(field.path + ": " + field.expectation + ", got " + Describe(value));
  }
  return std::nullopt;
}

// A null value (`key:` or `key: ~`) keeps the default, so a section can be left empty.
std::optional<Error> ApplySection(const std::string& section, const YAML::Node& mapping,
                                  LoadState& state) {
  if (!mapping.IsMap()) {
    return Invalid(section + ": must be a mapping, got " + Describe(mapping));
  }
  std::set<std::string> seen;
  for (const auto& entry : mapping) {
    if (!entry.first.IsScalar()) {
      return Invalid(section + ": keys must be strings, got " + Describe(entry.first));
    }
    const std::string& key = entry.first.Scalar();
    if (const std::string nested = section + "." + key; IsSection(nested)) {  // auth.oidc
      if (!seen.insert(key).second) return Invalid("duplicate key " + nested);
      if (entry.second.IsNull()) continue;
      if (auto error = ApplySection(nested, entry.second, state)) return error;
      continue;
    }
    const Field* field = FindField(section, key);
    if (field == nullptr) return Invalid(UnknownKey(section, key));
    if (!seen.insert(key).second) return Invalid("duplicate key " + field->path);
    if (entry.second.IsNull()) continue;
    if (auto error = ApplyValue(*field, entry.second, state)) return error;
  }
  return std::nullopt;
}

std::optional<Error> ApplyDocument(const YAML::Node& root, LoadState& state) {
  if (root.IsNull()) return std::nullopt;
  if (!root.IsMap()) {
    return Invalid("the config must be a mapping of sections (service, logging, ...), got " +
                   Describe(root));
  }
  std::set<std::string> seen;
  for (const auto& entry : root) {
    if (!entry.first.IsScalar()) {
      return Invalid("top-level keys must be strings, got " + Describe(entry.first));
    }
    const std::string& section = entry.first.Scalar();
    if (!IsSection(section) || section.find('.') != std::string::npos) return Invalid(UnknownKey("", section));
    if (!seen.insert(section).second) return Invalid("duplicate key " + section);
    if (entry.second.IsNull()) continue;
    if (auto error = ApplySection(section, entry.second, state)) return error;
  }
  return std::nullopt;
}

std::string Position(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return " at line " + std::to_string(mark.line + 1) + ", column " +
         std::to_string(mark.column + 1);
}

std::optional<Error> ApplyYaml(std::string_view text, LoadState& state) {
  if (text.size() > kMaxConfigBytes) {
    return Invalid("the config is " + std::to_string(text.size()) + " bytes, more than the " +
                   std::to_string(kMaxConfigBytes) + " allowed");
  }
  // YAML forbids NUL; refusing it also keeps out UTF-16 and UTF-32, which yaml-cpp would
  // decode but the nesting pre-check below reads as bytes.
  if (text.find('\0') != std::string_view::npos) {
    return Invalid("the config contains a NUL byte; it must be UTF-8 text");
  }
  if (auto problem = FindShapeProblem(text, kMaxConfigNesting)) return Invalid(*std::move(problem));
  try {
    const std::vector<YAML::Node> documents = YAML::LoadAll(std::string(text));
    if (documents.size() > 1) return Invalid("the config holds more than one YAML document");
    if (documents.empty()) return std::nullopt;
    return ApplyDocument(documents.front(), state);
  } catch (const YAML::DeepRecursion& e) {
    return Invalid("the config nests too deeply" + Position(e.mark));
  } catch (const YAML::Exception& e) {
    return Invalid("YAML syntax error" + Position(e.mark) + ": " + e.msg);
  }
}

// An empty variable counts as unset, as container tooling often passes `NAME=` for "no value".
std::optional<Error> ApplyEnvironment(const std::map<std::string, std::string>& env,
                                      LoadState& state) {
  for (const Field& field : Fields()) {
    const auto it = env.find(field.env_name);
    if (it == env.end() || it->second.empty()) continue;
    const std::string_view value = it->second;
    if (field.set_list) {
      std::vector<std::string> items;
      std::size_t start = 0;
      while (start <= value.size()) {
        std::size_t comma = value.find(',', start);
        if (comma == std::string_view::npos) comma = value.size();
        const std::string_view item = TrimSpaces(value.substr(start, comma - start));
        if (!item.empty()) items.emplace_back(item);
        start = comma + 1;
      }
      field.set_list(state, std::move(items));
    } else if (!field.set(state, value)) {
      return Invalid(field.env_name + "=" + Printable(value) + ": " + field.expectation + ", got " +
                     Quote(value));
    }
  }
  return std::nullopt;
}

std::optional<Error> Validate(LoadState& state) {
  Config& config = state.config;
  if (!state.format_given) {
    config.logging.format =
        config.service.env == ServiceEnv::kProduction ? LogFormat::kJson : LogFormat::kText;
  }
  const Config::Database& db = config.database;
  if (db.driver == DatabaseDriver::kPostgres && db.url.empty() &&
      (db.host.empty() || db.dbname.empty())) {
    return Invalid(
        "database.driver: postgres needs database.url, or both database.host and "
        "database.dbname");
  }
  if (config.s3.enabled && config.s3.bucket_name.empty()) {
    return Invalid("s3.bucketName: required when s3.enable is true");
  }
  if (config.jobs.max_backoff < config.jobs.backoff) {
    return Invalid("jobs.maxBackoff: must not be shorter than jobs.backoff");
  }
  if (!config.oidc.issuer.empty()) {
    if (config.oidc.client_id.empty()) return Invalid("auth.oidc.clientId: required when auth.oidc.issuer is set");
    if (config.server.public_url.empty()) {
      return Invalid("server.publicUrl: required when auth.oidc.issuer is set (the provider redirects back to it)");
    }
  }
  return std::nullopt;
}

Result<Config> Load(std::string_view yaml_text, const std::map<std::string, std::string>& env,
                    const std::string& source) {
  LoadState state;
  if (auto error = ApplyYaml(yaml_text, state)) {
    if (!source.empty()) error->message = source + ": " + error->message;
    return *std::move(error);
  }
  if (auto error = ApplyEnvironment(env, state)) return *std::move(error);
  if (auto error = Validate(state)) return *std::move(error);
  return std::move(state.config);
}

void AppendQuoted(std::string& out, std::string_view keyword, std::string_view value) {
  if (!out.empty()) out += ' ';
  out += keyword;
  out += "='";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
}

}  // namespace

std::string_view ServiceEnvName(ServiceEnv env) { return NameOf(kServiceEnvs, env); }
std::string_view LogLevelName(LogLevel level) { return NameOf(kLogLevels, level); }
std::string_view LogFormatName(LogFormat format) { return NameOf(kLogFormats, format); }
std::string_view DatabaseDriverName(DatabaseDriver driver) {
  return NameOf(kDatabaseDrivers, driver);
}
std::string_view SslModeName(SslMode mode) { return NameOf(kSslModes, mode); }

std::string Config::PostgresDsn() const {
  if (!database.url.empty()) return database.url;
  std::string dsn;
  if (!database.host.empty()) AppendQuoted(dsn, "host", database.host);
  AppendQuoted(dsn, "port", std::to_string(database.port));
  if (!database.dbname.empty()) AppendQuoted(dsn, "dbname", database.dbname);
  if (!database.user.empty()) AppendQuoted(dsn, "user", database.user);
  if (!database.password.empty()) AppendQuoted(dsn, "password", database.password);
  AppendQuoted(dsn, "sslmode", SslModeName(database.sslmode));
  return dsn;
}

Result<Config> LoadConfig(std::string_view yaml_text,
                          const std::map<std::string, std::string>& env) {
  return Load(yaml_text, env, "");
}

Result<Config> LoadConfigFile(const std::string& path,
                              const std::map<std::string, std::string>& env) {
  std::error_code status_error;
  const auto status = std::filesystem::status(path, status_error);
  if (status.type() == std::filesystem::file_type::not_found) {
    return Error{ErrorCode::kNotFound, "config file " + path + " does not exist"};
  }
  if (status.type() == std::filesystem::file_type::directory) {
    return Error{ErrorCode::kUnavailable, "config file " + path + " is a directory"};
  }
  errno = 0;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    const int error = errno;
    return Error{ErrorCode::kUnavailable,
                 "config file " + path + " cannot be opened" +
                     (error != 0 ? std::string(": ") + std::strerror(error) : std::string())};
  }
  // Read at most one byte past the limit, so a huge file (or /dev/zero) is refused quickly.
  std::string text(kMaxConfigBytes + 1, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (file.bad()) {
    return Error{ErrorCode::kUnavailable, "config file " + path + " cannot be read"};
  }
  text.resize(static_cast<std::size_t>(file.gcount()));
  if (text.size() > kMaxConfigBytes) {
    return Invalid(path + ": the config is larger than " + std::to_string(kMaxConfigBytes) +
                   " bytes");
  }
  return Load(text, env, path);
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    // getenv() returns the first of duplicate names; so does emplace.
    env.emplace(text.substr(0, equals), text.substr(equals + 1));
  }
  return env;
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  const auto fail = [text] {
    return Error{
        ErrorCode::kInvalidArgument,
        R"(expected a duration such as "250ms", "10s", "5m" or "1h30m", got )" + Quote(text)};
  };
  if (text.empty()) return fail();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return fail();
    std::int64_t amount = 0;
    const auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), amount);
    if (ec != std::errc{}) return fail();
    i = static_cast<std::size_t>(end - text.data());
    const std::size_t unit_start = i;
    while (i < text.size() && text[i] >= 'a' && text[i] <= 'z') ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    std::int64_t factor = 0;
    if (unit == "ms") {
      factor = 1;
    } else if (unit == "s") {
      factor = 1'000;
    } else if (unit == "m") {
      factor = 60'000;
    } else if (unit == "h") {
      factor = 3'600'000;
    } else {
      return fail();
    }
    if (amount > (kMax - total) / factor) return fail();
    total += amount * factor;
  }
  return std::chrono::milliseconds{total};
}

}  // namespace aurora::server
