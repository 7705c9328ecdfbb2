#pragma once

// ObjectStore over libcurl with AWS Signature Version 4 (CURLOPT_AWS_SIGV4): AWS S3 and
// S3-compatible servers (MinIO, Ceph, s3rver), path-style or virtual-hosted addressing,
// credentials from the configuration or the standard AWS environment variables. Depends on
// libcurl and OpenSSL only (target aurora_s3), so the SDK can link it too.

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "s3/object_store.hpp"

namespace aurora::s3 {

/// AWS credentials. Both keys empty means anonymous, unsigned requests (a public bucket).
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only; sent as x-amz-security-token
  bool anonymous() const { return access_key_id.empty() && secret_access_key.empty(); }
};

/// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from `env`; nullopt unless
/// both keys are set and non-empty.
std::optional<Credentials> CredentialsFromEnvironment(
    const std::map<std::string, std::string>& env);
/// AWS_REGION, else AWS_DEFAULT_REGION, from `env`; "" when neither is set.
std::string RegionFromEnvironment(const std::map<std::string, std::string>& env);

struct ClientOptions {
  std::string bucket;
  std::string region = "us-east-1";
  /// "http(s)://host[:port]" of an S3-compatible server; empty means AWS
  /// (https://s3.<region>.amazonaws.com).
  std::string endpoint;
  /// endpoint/bucket/key instead of bucket.endpoint/key; most S3-compatible servers need it.
  bool path_style = false;
  Credentials credentials;
  /// Limit of one attempt (connect, send, receive); a retry gets its own.
  std::chrono::milliseconds timeout{10'000};
  std::chrono::milliseconds connect_timeout{3'000};
  /// Attempts per call for network errors, timeouts, 5xx and 429 (1 = no retry). Waits
  /// retry_delay, then twice as long each time.
  int max_attempts = 3;
  std::chrono::milliseconds retry_delay{100};
  /// Largest body Get accepts; a larger object fails with kUnavailable.
  std::size_t max_body_bytes = std::size_t{256} << 20;
  std::string user_agent = "aurora-s3/0.1";
};

/// Thread-safe. Keeps a few curl handles (and their kept-alive connections) for reuse.
class CurlS3Client final : public ObjectStore {
 public:
  explicit CurlS3Client(ClientOptions options);
  ~CurlS3Client() override;
  CurlS3Client(const CurlS3Client&) = delete;
  CurlS3Client& operator=(const CurlS3Client&) = delete;

  Result<PutResult> Put(const PutRequest& request) override;
  Result<ObjectResult> Get(const GetRequest& request) override;
  Result<ObjectResult> Head(const std::string& key, std::stop_token stop) override;
  Result<void> Delete(const std::string& key, std::stop_token stop) override;

  /// Creates the bucket (PUT Bucket); succeeds when it already exists and is ours. For local
  /// S3-compatible servers and tests.
  Result<void> CreateBucket(std::stop_token stop = {});
  /// The URL of `key` ("" for the bucket itself), its path percent-encoded.
  std::string ObjectUrl(std::string_view key) const;
  const ClientOptions& options() const { return options_; }

 private:
  /// One HTTP exchange, as the methods above use it.
  struct Exchange {
    std::string method;  // GET, HEAD, PUT, DELETE
    std::string key;     // "" addresses the bucket
    const std::string* body = nullptr;
    std::vector<std::string> headers;  // "Name: value"
    std::stop_token stop;
  };
  struct Response {
    long status = 0;
    std::map<std::string, std::string> headers;  // names lower-case
    std::string body;
  };

  Result<Response> Perform(const Exchange& exchange);
  Result<Response> PerformOnce(const Exchange& exchange, bool& retryable);
  void* AcquireHandle();
  void ReleaseHandle(void* handle);

  ClientOptions options_;
  std::string sigv4_;  // "aws:amz:<region>:s3"
  std::mutex mutex_;   // guards idle_
  std::vector<void*> idle_;
};

/// Lower-case hex SHA-256 of `data` (the x-amz-content-sha256 value).
std::string Sha256Hex(std::string_view data);
/// Percent-encodes an object key for a URL path: everything but A-Z a-z 0-9 - . _ ~ and '/'.
std::string EncodeKey(std::string_view key);

}  // namespace aurora::s3
