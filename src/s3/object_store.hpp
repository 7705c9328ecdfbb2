#pragma once

// An S3 bucket seen as a key-value store of objects: what the snapshot publisher writes and
// what an SDK reads. The only implementation is CurlS3Client (curl_s3_client.hpp); tests and
// other callers may provide their own.

#include <cstdint>
#include <map>
#include <stop_token>
#include <string>

#include "aurora/result.hpp"

namespace aurora::s3 {

/// One object to write.
struct PutRequest {
  std::string key;  // the object key, unencoded ("prod/snapshots/42.json")
  std::string body;
  std::string content_type = "application/json";
  std::string cache_control;                    // sent as Cache-Control when not empty
  std::map<std::string, std::string> metadata;  // sent as x-amz-meta-<name>; names lower-case ASCII
  std::stop_token stop;                         // a requested stop aborts the transfer
};

struct PutResult {
  std::string etag;  // as S3 sends it, quotes included
};

/// One object to read. With `if_none_match` set to the ETag of an earlier read, an unchanged
/// object answers 304 and comes back as `not_modified` without a body.
struct GetRequest {
  std::string key;
  std::string if_none_match;  // an ETag exactly as an earlier ObjectResult::etag gave it
  std::stop_token stop;
};

/// What Get and Head return.
struct ObjectResult {
  bool not_modified = false;  // Get with a matching if_none_match: body is empty
  std::string body;           // Get only
  std::string etag;           // quotes included, e.g. "\"9b2cf535f27731c974343645a3985328\""
  std::string content_type;
  std::int64_t content_length = 0;
  std::map<std::string, std::string>
      metadata;  // x-amz-meta-* headers, prefix dropped, names lower-case
};

/// Thread-safe: any thread may call any method at any time.
/// Errors: kNotFound when the object (or bucket) does not exist; kInvalidArgument when S3
/// refuses the request (403 signature or access, 400); kUnavailable for network errors,
/// timeouts, 5xx and throttling once the retries are spent, and for a requested stop.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  virtual Result<PutResult> Put(const PutRequest& request) = 0;
  virtual Result<ObjectResult> Get(const GetRequest& request) = 0;
  /// The object's headers and metadata, without its body.
  virtual Result<ObjectResult> Head(const std::string& key, std::stop_token stop) = 0;
  /// Deleting a missing object succeeds (as in S3).
  virtual Result<void> Delete(const std::string& key, std::stop_token stop) = 0;
};

}  // namespace aurora::s3
