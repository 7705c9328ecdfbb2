#include "s3/curl_s3_client.hpp"

#include <algorithm>
#include <cctype>
#include <condition_variable>

#include <curl/curl.h>
#include <openssl/evp.h>

namespace aurora::s3 {
namespace {

// Handles kept for reuse; more concurrent calls than this just open more connections.
constexpr std::size_t kMaxIdleHandles = 4;

void GlobalInit() {
  // curl_global_init must run once before any other thread uses curl; never cleaned up, as
  // the process (or the SDK's host application) may use curl elsewhere.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return std::string(s);
}

// Header values must not smuggle a line break into the request.
bool SafeHeaderValue(std::string_view v) {
  return std::none_of(v.begin(), v.end(),
                      [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool SafeMetadataName(std::string_view n) {
  return !n.empty() && std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

struct Transfer {
  std::string body;
  std::map<std::string, std::string> headers;
  std::size_t max_body = 0;
  bool too_large = false;
  const std::stop_token* stop = nullptr;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t.body.size() + n > t.max_body) {
    t.too_large = true;
    return 0;  // curl fails the transfer with CURLE_WRITE_ERROR
  }
  t.body.append(data, n);
  return n;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  const std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    t.headers.clear();  // a new response (after 100 Continue)
    return n;
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos)
    t.headers[Lower(line.substr(0, colon))] = Trim(line.substr(colon + 1));
  return n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto& t = *static_cast<Transfer*>(user);
  return t.stop != nullptr && t.stop->stop_requested() ? 1 : 0;
}

// <Code>NoSuchKey</Code><Message>...</Message> of an S3 error body.
std::string XmlElement(const std::string& body, const std::string& name) {
  const auto open = body.find("<" + name + ">");
  if (open == std::string::npos) return "";
  const auto start = open + name.size() + 2;
  const auto close = body.find("</" + name + ">", start);
  if (close == std::string::npos) return "";
  return body.substr(start, close - start);
}

Error StatusError(const std::string& method, const std::string& url, long status,
                  const std::string& body) {
  std::string message = method + " " + url + ": HTTP " + std::to_string(status);
  const std::string code = XmlElement(body, "Code");
  const std::string text = XmlElement(body, "Message");
  if (!code.empty()) message += " " + code;
  if (!text.empty()) message += ": " + text;
  ErrorCode kind = ErrorCode::kInvalidArgument;
  if (status == 404) kind = ErrorCode::kNotFound;
  if (status >= 500 || status == 429 || status == 408) kind = ErrorCode::kUnavailable;
  return Error{kind, message};
}

void Sleep(std::chrono::milliseconds delay, const std::stop_token& stop) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  cv.wait_for(lock, stop, delay, [] { return false; });
}

std::map<std::string, std::string> Metadata(const std::map<std::string, std::string>& headers) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : headers) {
    if (name.starts_with("x-amz-meta-")) out[name.substr(11)] = value;
  }
  return out;
}

ObjectResult ToObject(const std::map<std::string, std::string>& headers) {
  ObjectResult o;
  if (auto it = headers.find("etag"); it != headers.end()) o.etag = it->second;
  if (auto it = headers.find("content-type"); it != headers.end()) o.content_type = it->second;
  if (auto it = headers.find("content-length"); it != headers.end()) {
    try {
      o.content_length = std::stoll(it->second);
    } catch (const std::exception&) {
      o.content_length = 0;
    }
  }
  o.metadata = Metadata(headers);
  return o;
}

std::string Get(const std::map<std::string, std::string>& env, const char* name) {
  const auto it = env.find(name);
  return it == env.end() ? std::string() : it->second;
}

}  // namespace

std::optional<Credentials> CredentialsFromEnvironment(
    const std::map<std::string, std::string>& env) {
  Credentials c{Get(env, "AWS_ACCESS_KEY_ID"), Get(env, "AWS_SECRET_ACCESS_KEY"),
                Get(env, "AWS_SESSION_TOKEN")};
  if (c.access_key_id.empty() || c.secret_access_key.empty()) return std::nullopt;
  return c;
}

std::string RegionFromEnvironment(const std::map<std::string, std::string>& env) {
  std::string region = Get(env, "AWS_REGION");
  return region.empty() ? Get(env, "AWS_DEFAULT_REGION") : region;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

std::string EncodeKey(std::string_view key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(key.size());
  for (const char ch : key) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

CurlS3Client::CurlS3Client(ClientOptions options) : options_(std::move(options)) {
  GlobalInit();
  sigv4_ = "aws:amz:" + options_.region + ":s3";
  if (options_.max_attempts < 1) options_.max_attempts = 1;
  while (!options_.endpoint.empty() && options_.endpoint.back() == '/')
    options_.endpoint.pop_back();
}

CurlS3Client::~CurlS3Client() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

std::string CurlS3Client::ObjectUrl(std::string_view key) const {
  std::string scheme = "https://";
  std::string host = "s3." + options_.region + ".amazonaws.com";
  if (!options_.endpoint.empty()) {
    const auto sep = options_.endpoint.find("://");
    scheme = sep == std::string::npos ? "https://" : options_.endpoint.substr(0, sep + 3);
    host = sep == std::string::npos ? options_.endpoint : options_.endpoint.substr(sep + 3);
  }
  std::string url = options_.path_style ? scheme + host + "/" + EncodeKey(options_.bucket)
                                        : scheme + options_.bucket + "." + host;
  if (!key.empty() || !options_.path_style) url += "/" + EncodeKey(key);
  return url;
}

void* CurlS3Client::AcquireHandle() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      curl_easy_reset(static_cast<CURL*>(h));  // keeps its connection cache
      return h;
    }
  }
  return curl_easy_init();
}

void CurlS3Client::ReleaseHandle(void* handle) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < kMaxIdleHandles) {
    idle_.push_back(handle);
  } else {
    curl_easy_cleanup(static_cast<CURL*>(handle));
  }
}

Result<CurlS3Client::Response> CurlS3Client::PerformOnce(const Exchange& ex, bool& retryable) {
  retryable = false;
  CURL* h = static_cast<CURL*>(AcquireHandle());
  if (h == nullptr) return Error{ErrorCode::kInternal, "curl_easy_init failed"};
  const std::string url = ObjectUrl(ex.key);
  Transfer t;
  t.max_body = options_.max_body_bytes;
  t.stop = &ex.stop;

  // curl 7.88 neither sends nor signs x-amz-content-sha256, which S3 requires; when the header
  // is present, curl signs it and uses its value as the payload hash.
  static const std::string kEmptySha256 = Sha256Hex("");
  curl_slist* headers = nullptr;
  const std::string payload =
      "x-amz-content-sha256: " + (ex.body != nullptr ? Sha256Hex(*ex.body) : kEmptySha256);
  headers = curl_slist_append(headers, payload.c_str());
  if (!options_.credentials.session_token.empty()) {
    headers = curl_slist_append(
        headers, ("x-amz-security-token: " + options_.credentials.session_token).c_str());
  }
  // Every header given here is signed, so none may be empty: curl 7.88 would sign an empty
  // "Expect:" that it then does not send.
  for (const auto& line : ex.headers) headers = curl_slist_append(headers, line.c_str());

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  if (!options_.credentials.anonymous()) {
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4_.c_str());
    curl_easy_setopt(h, CURLOPT_USERNAME, options_.credentials.access_key_id.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, options_.credentials.secret_access_key.c_str());
  }
  if (ex.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (ex.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, ex.method.c_str());
    if (ex.body != nullptr) {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, ex.body->data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(ex.body->size()));
    }
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);

  const CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  ReleaseHandle(h);

  const std::string what = ex.method + " " + url;
  if (rc == CURLE_ABORTED_BY_CALLBACK) return Error{ErrorCode::kUnavailable, what + ": stopped"};
  if (t.too_large) {
    return Error{ErrorCode::kUnavailable, what + ": the object is larger than " +
                                              std::to_string(options_.max_body_bytes) + " bytes"};
  }
  if (rc != CURLE_OK) {
    retryable = true;
    return Error{ErrorCode::kUnavailable, what + ": " + curl_easy_strerror(rc)};
  }
  if (status >= 500 || status == 429 || status == 408) retryable = true;
  return Response{status, std::move(t.headers), std::move(t.body)};
}

Result<CurlS3Client::Response> CurlS3Client::Perform(const Exchange& ex) {
  auto delay = options_.retry_delay;
  for (int attempt = 1;; ++attempt) {
    bool retryable = false;
    auto r = PerformOnce(ex, retryable);
    if (!retryable || attempt >= options_.max_attempts || ex.stop.stop_requested()) return r;
    Sleep(delay, ex.stop);
    delay *= 2;
  }
}

Result<PutResult> CurlS3Client::Put(const PutRequest& request) {
  if (request.key.empty()) return Error{ErrorCode::kInvalidArgument, "S3 put: the key is empty"};
  Exchange ex{"PUT", request.key, &request.body, {}, request.stop};
  if (!SafeHeaderValue(request.content_type) || !SafeHeaderValue(request.cache_control)) {
    return Error{ErrorCode::kInvalidArgument, "S3 put: a header value holds a line break"};
  }
  ex.headers.push_back("Content-Type: " + request.content_type);
  if (!request.cache_control.empty())
    ex.headers.push_back("Cache-Control: " + request.cache_control);
  for (const auto& [name, value] : request.metadata) {
    if (!SafeMetadataName(name) || !SafeHeaderValue(value)) {
      return Error{ErrorCode::kInvalidArgument, "S3 put: bad metadata " + name};
    }
    ex.headers.push_back("x-amz-meta-" + name + ": " + value);
  }
  auto r = Perform(ex);
  if (!r) return std::move(r).error();
  if (r->status != 200) return StatusError("PUT", ObjectUrl(request.key), r->status, r->body);
  PutResult out;
  if (auto it = r->headers.find("etag"); it != r->headers.end()) out.etag = it->second;
  return out;
}

Result<ObjectResult> CurlS3Client::Get(const GetRequest& request) {
  Exchange ex{"GET", request.key, nullptr, {}, request.stop};
  if (!request.if_none_match.empty()) {
    if (!SafeHeaderValue(request.if_none_match))
      return Error{ErrorCode::kInvalidArgument, "S3 get: bad ETag"};
    ex.headers.push_back("If-None-Match: " + request.if_none_match);
  }
  auto r = Perform(ex);
  if (!r) return std::move(r).error();
  if (r->status == 304) {
    ObjectResult o = ToObject(r->headers);
    o.not_modified = true;
    if (o.etag.empty()) o.etag = request.if_none_match;
    return o;
  }
  if (r->status != 200) return StatusError("GET", ObjectUrl(request.key), r->status, r->body);
  ObjectResult o = ToObject(r->headers);
  o.body = std::move(r->body);
  o.content_length = static_cast<std::int64_t>(o.body.size());
  return o;
}

Result<ObjectResult> CurlS3Client::Head(const std::string& key, std::stop_token stop) {
  auto r = Perform(Exchange{"HEAD", key, nullptr, {}, std::move(stop)});
  if (!r) return std::move(r).error();
  if (r->status != 200) return StatusError("HEAD", ObjectUrl(key), r->status, r->body);
  return ToObject(r->headers);
}

Result<void> CurlS3Client::Delete(const std::string& key, std::stop_token stop) {
  auto r = Perform(Exchange{"DELETE", key, nullptr, {}, std::move(stop)});
  if (!r) return std::move(r).error();
  if (r->status != 204 && r->status != 200 && r->status != 404) {
    return StatusError("DELETE", ObjectUrl(key), r->status, r->body);
  }
  return {};
}

Result<void> CurlS3Client::CreateBucket(std::stop_token stop) {
  static const std::string kEmpty;
  auto r = Perform(Exchange{"PUT", "", &kEmpty, {}, stop});
  if (!r) return std::move(r).error();
  if (r->status == 200) return {};
  if (r->status == 409 && XmlElement(r->body, "Code") == "BucketAlreadyOwnedByYou") return {};
  if (r->status == 409) {
    // Some S3-compatible servers answer BucketAlreadyExists to its owner too: fine when we
    // can use it.
    auto head = Perform(Exchange{"HEAD", "", nullptr, {}, stop});
    if (head && head->status == 200) return {};
  }
  return StatusError("PUT", ObjectUrl(""), r->status, r->body);
}

}  // namespace aurora::s3
