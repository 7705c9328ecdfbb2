#include "sdk/sync/snapshot_fetcher.hpp"

#include <utility>

namespace aurora::sdk {

std::string JoinUrl(std::string_view endpoint_url, std::string_view path) {
  while (!endpoint_url.empty() && endpoint_url.back() == '/') endpoint_url.remove_suffix(1);
  std::string url(endpoint_url);
  url += path;
  return url;
}

FetchResult FetchSnapshot(Transport& transport, const FetchOptions& options, std::string_view etag,
                          std::stop_token stop) {
  FetchResult out;
  HttpRequest request;
  request.url = JoinUrl(options.endpoint_url, "/api/v1/sdk/config");
  request.headers.emplace_back("Accept", "application/json");
  if (!etag.empty()) request.headers.emplace_back("If-None-Match", std::string(etag));
  if (!options.sdk_key.empty())
    request.headers.emplace_back("Authorization", "Bearer " + options.sdk_key);
  request.timeout = options.timeout;
  request.connect_timeout = options.timeout;
  request.max_body_bytes = options.max_bytes;

  auto response = transport.Get(request, std::move(stop));
  if (!response) {
    out.error = ClientError(ErrorKind::kNetwork, response.error().message);
    return out;
  }
  const int status = response->status;
  if (status == 304) {
    out.status = FetchResult::Status::kNotModified;
    return out;
  }
  if (status == 401 || status == 403) {
    out.error = ClientError(ErrorKind::kConfiguration,
                            "GET " + request.url + ": the server refused the SDK key (HTTP " +
                                std::to_string(status) + ")");
    return out;
  }
  if (status != 200) {
    out.error =
        ClientError(ErrorKind::kNetwork, "GET " + request.url + ": HTTP " + std::to_string(status));
    return out;
  }
  const std::string_view header = response->Header("etag");
  return LoadFetched(std::move(response->body), std::string(header), "GET " + request.url,
                     options.max_bytes);
}

FetchResult LoadFetched(std::string body, std::string etag, const std::string& source,
                        std::size_t max_bytes) {
  FetchResult out;
  if (max_bytes != 0 && body.size() > max_bytes) {
    out.error = ClientError(ErrorKind::kNetwork, source + ": snapshot larger than " +
                                                     std::to_string(max_bytes) + " bytes");
    return out;
  }
  auto loaded = engine::LoadSnapshot(body);
  if (!loaded) {
    out.error = ClientError(ErrorKind::kConfiguration,
                            source + ": the snapshot cannot be loaded: " + loaded.error().ToString());
    return out;
  }
  out.status = FetchResult::Status::kFetched;
  out.snapshot = std::move(*loaded);
  out.etag = etag.empty() ? "\"" + std::to_string(out.snapshot->revision) + "\"" : std::move(etag);
  out.json = std::move(body);
  return out;
}

}  // namespace aurora::sdk
