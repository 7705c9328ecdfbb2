#include "sdk/sync/s3_source.hpp"

#include <cstdlib>
#include <map>
#include <utility>

namespace aurora::sdk {
namespace {

std::map<std::string, std::string> AwsEnvironment() {
  std::map<std::string, std::string> env;
  for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                           "AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (const char* value = std::getenv(name)) env.emplace(name, value);
  }
  return env;
}

/// The s3::ClientOptions an SDK's options give.
s3::ClientOptions S3ClientOptionsFor(const ClientOptions& options) {
  const auto env = AwsEnvironment();
  s3::ClientOptions o;
  o.bucket = options.s3_bucket;
  o.endpoint = options.s3_endpoint;
  while (!o.endpoint.empty() && o.endpoint.back() == '/') o.endpoint.pop_back();
  o.path_style = options.s3_path_style;
  if (!options.s3_region.empty()) {
    o.region = options.s3_region;
  } else if (auto region = s3::RegionFromEnvironment(env); !region.empty()) {
    o.region = std::move(region);
  }
  if (!options.s3_access_key.empty() || !options.s3_secret_key.empty()) {
    o.credentials = {options.s3_access_key, options.s3_secret_key, ""};
  } else if (auto from_env = s3::CredentialsFromEnvironment(env)) {
    o.credentials = std::move(*from_env);
  }
  o.timeout = options.timeout;
  o.connect_timeout = options.timeout;
  // The poller retries with its own backoff, and the API is the fallback: one attempt per sync.
  o.max_attempts = 1;
  // One byte over the limit is enough to know it is too large.
  o.max_body_bytes = options.max_snapshot_bytes == 0 ? std::size_t{256} << 20
                                                     : options.max_snapshot_bytes + 1;
  o.user_agent = "aurora-sdk-cpp/" AURORA_SDK_VERSION;
  return o;
}

}  // namespace

S3Source::S3Source(const ClientOptions& options)
    : client_(S3ClientOptionsFor(options)),
      key_(options.s3_prefix + "snapshot.json"),
      max_bytes_(options.max_snapshot_bytes),
      description_("s3://" + options.s3_bucket + "/" + key_) {}

FetchResult S3Source::Fetch(std::string_view etag, std::stop_token stop) {
  FetchResult out;
  auto got = client_.Get(s3::GetRequest{key_, std::string(etag), std::move(stop)});
  if (!got) {
    const ErrorKind kind = got.error().code == ErrorCode::kInvalidArgument
                               ? ErrorKind::kConfiguration  // signature, access, bad request
                               : ErrorKind::kNetwork;       // unreachable, 5xx, missing object
    out.error = ClientError(kind, "GET " + description_ + ": " + got.error().message);
    return out;
  }
  if (got->not_modified) {
    out.status = FetchResult::Status::kNotModified;
    return out;
  }
  // The ETag is S3's own (not the API's "<revision>"); the caller keeps the two apart.
  return LoadFetched(std::move(got->body), std::move(got->etag), "GET " + description_,
                     max_bytes_);
}

}  // namespace aurora::sdk
