#pragma once

// The local S3 server of the tests: scripts/s3-test.sh start runs s3rver behind
// tools/s3/sigv4-proxy.js and prints the proxy's URL, which AURORA_TEST_S3_ENDPOINT carries
// (make test sets it). Tests that need it skip without it. Every test works under its own key
// prefix, so tests may run in parallel against one server.

#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "s3/curl_s3_client.hpp"
#include "support/server_process.hpp"

namespace aurora::testing {

inline constexpr const char* kS3SkipMessage =
    "AURORA_TEST_S3_ENDPOINT is not set: run `export AURORA_TEST_S3_ENDPOINT=$(scripts/s3-test.sh "
    "start)` "
    "(make test does this)";

inline std::string S3Endpoint() {
  const char* e = std::getenv("AURORA_TEST_S3_ENDPOINT");
  return e == nullptr ? std::string() : std::string(e);
}

inline std::string S3Bucket() {
  const char* b = std::getenv("AURORA_TEST_S3_BUCKET");
  return b == nullptr || *b == '\0' ? std::string("aurora-test") : std::string(b);
}

/// The proxy's port (the endpoint is http://127.0.0.1:PORT).
inline std::uint16_t S3ProxyPort() {
  const std::string e = S3Endpoint();
  return static_cast<std::uint16_t>(std::stoi(e.substr(e.rfind(':') + 1)));
}

/// A fresh key prefix such as "t12345-3-81723/".
inline std::string UniquePrefix(const std::string& tag) {
  static int counter = 0;
  std::random_device rd;
  return tag + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(rd() % 100000) + "/";
}

inline s3::ClientOptions S3TestOptions() {
  s3::ClientOptions o;
  o.bucket = S3Bucket();
  o.endpoint = S3Endpoint();
  o.path_style = true;
  o.region = "us-east-1";
  o.credentials = {"S3RVER", "S3RVER", ""};
  o.timeout = std::chrono::seconds(5);
  o.retry_delay = std::chrono::milliseconds(20);
  return o;
}

/// The environment that makes aurora-server publish to the test S3 server under `prefix`.
inline std::map<std::string, std::string> S3ServerEnv(const std::string& prefix) {
  return {{"S3_ENABLE", "true"},     {"S3_BUCKETNAME", S3Bucket()}, {"S3_ENDPOINT", S3Endpoint()},
          {"S3_PATHSTYLE", "true"},  {"S3_PREFIX", prefix},         {"S3_ACCESSKEY", "S3RVER"},
          {"S3_SECRETKEY", "S3RVER"}, {"S3_TIMEOUT", "2s"}};
}

/// Makes requests under `prefix` fail at the proxy: mode "503", "reset", "delay" (with ms) or
/// "off".
inline void S3Fault(const std::string& prefix, const std::string& mode, int ms = 0) {
  const auto r = Http(S3ProxyPort(), "POST",
                      "/__proxy/fault?prefix=/" + S3Bucket() + "/" + prefix + "&mode=" + mode +
                          "&ms=" + std::to_string(ms));
  ASSERT_EQ(r.status, 204) << r.body;
}

/// How many requests with `method` for exactly the object `key` the proxy forwarded with `status`.
inline int S3Count(const std::string& method, const std::string& key, int status = 200) {
  const auto r = Http(S3ProxyPort(), "GET", "/__proxy/stats?prefix=/" + S3Bucket() + "/" + key);
  const nlohmann::json stats = r.Json();
  int n = 0;
  for (const auto& q : stats["requests"]) {
    if (q["method"] == method && q["path"] == "/" + S3Bucket() + "/" + key && q["status"] == status)
      ++n;
  }
  return n;
}

}  // namespace aurora::testing
