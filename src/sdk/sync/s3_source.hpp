#pragma once

#include <cstddef>
#include <stop_token>
#include <string>
#include <string_view>

#include "aurora/sdk/options.hpp"
#include "s3/curl_s3_client.hpp"
#include "sdk/sync/snapshot_fetcher.hpp"

namespace aurora::sdk {

/// Reads `<s3_prefix>snapshot.json`, the object aurora-server's S3 publisher keeps current
/// (docs/jobs.md "Layout"), with a conditional GET (If-None-Match: the ETag of the last read).
/// Thread-safe.
class S3Source {
 public:
  /// Credentials: s3_access_key/s3_secret_key, else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and
  /// AWS_SESSION_TOKEN), else anonymous requests. Region: s3_region, else AWS_REGION or
  /// AWS_DEFAULT_REGION, else us-east-1.
  explicit S3Source(const ClientOptions& options);

  /// kNotModified, kFetched (loaded and validated, `etag` the object's ETag) or kFailed: an
  /// unreachable server or missing object is kNetwork, a refused signature or access kConfiguration.
  FetchResult Fetch(std::string_view etag, std::stop_token stop);

  /// "s3://bucket/key", for log lines.
  const std::string& description() const { return description_; }

 private:
  s3::CurlS3Client client_;
  std::string key_;
  std::size_t max_bytes_;
  std::string description_;
};

}  // namespace aurora::sdk
