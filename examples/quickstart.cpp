// The design document's "Basic Usage", in C++: start a client against a local aurora-server,
// evaluate one parameter for one user, fall back to a default when anything is missing.
//
//   aurora_quickstart [ENDPOINT]      (default http://localhost:9999, or $AURORA_ENDPOINT)
//
// With $AURORA_S3_BUCKET set it reads the snapshot from S3 first (the server's s3.enable
// publishes it there), then the API: $AURORA_S3_ENDPOINT (an S3-compatible server, path-style),
// $AURORA_S3_PREFIX, and the standard AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_REGION.
//
// With no server running it prints the default after the start timeout: the SDK never throws
// and never blocks evaluation on the network.

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>

#include "aurora/aurora.hpp"

int main(int argc, char** argv) {
  using namespace std::chrono_literals;

  std::string endpoint = "http://localhost:9999";
  if (const char* env = std::getenv("AURORA_ENDPOINT")) endpoint = env;
  if (argc > 1) endpoint = argv[1];
  const char* key = std::getenv("AURORA_SDK_KEY");
  const char* bucket = std::getenv("AURORA_S3_BUCKET");  // optional
  const char* s3_endpoint = std::getenv("AURORA_S3_ENDPOINT");
  const char* s3_prefix = std::getenv("AURORA_S3_PREFIX");

  aurora::ClientOptions options{.endpoint_url = endpoint, .sdk_key = key ? key : ""};
  if (bucket != nullptr && *bucket != '\0') {
    options.s3_bucket = bucket;
    options.s3_endpoint = s3_endpoint ? s3_endpoint : "";
    options.s3_path_style = !options.s3_endpoint.empty();
    options.s3_prefix = s3_prefix ? s3_prefix : "";
  }

  // Initialize the client.
  aurora::Client client(std::move(options),
                        aurora::WithRefreshRate(30s),
                        aurora::WithInMemoryOnly(true),  // use the in-memory snapshot only
                        aurora::WithEnableS3(bucket != nullptr && *bucket != '\0'),
                        aurora::WithTimeout(3s));

  // Start the client: loads the cache (none here), then a first sync; begins background sync.
  const aurora::ClientStatus status = client.Start();
  if (!status.ready) {
    std::cerr << "aurora: not ready yet (" << status.error.message() << "); using defaults\n";
  } else {
    std::cerr << "aurora: revision " << status.revision << " from "
              << (status.origin == aurora::SnapshotOrigin::kS3 ? "S3" : "the server") << "\n";
  }

  // User attributes for targeting.
  const auto user = aurora::Attributes()
                        .SetString("user_id", "user_12345")
                        .SetString("country", "US")
                        .SetNumber("age", 28)
                        .SetBool("premium", true);

  // Evaluate a parameter.
  const aurora::EvaluationResult result = client.EvaluateParameter("welcome_message", user);
  if (result.HasError()) {
    std::cerr << "aurora: error evaluating parameter: "
              << aurora::ErrorKindName(result.Error().kind()) << ": " << result.Error().message()
              << "\n";
  }
  // Always safe: the default comes back on any error.
  std::cout << result.AsString("Hello, World!") << "\n";

  client.Stop();  // the destructor would stop it too
  return 0;
}
