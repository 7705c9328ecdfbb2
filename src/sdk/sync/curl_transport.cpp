#include "sdk/sync/curl_transport.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <string>

#include <curl/curl.h>

namespace aurora::sdk {
namespace {

constexpr const char* kUserAgent = "aurora-sdk-cpp/0.1";

void GlobalInit() {
  // curl_global_init is not thread-safe with every curl build, and must happen once; the SDK
  // never calls curl_global_cleanup (the application may use curl too).
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

/// What the callbacks of one transfer share.
struct Transfer {
  std::size_t max_body = 0;
  bool too_large = false;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  const std::function<void(std::string_view)>* on_bytes = nullptr;  // streams: pass bytes through
  CURL* easy = nullptr;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t.on_bytes != nullptr) {
    long status = 0;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
      (*t.on_bytes)(std::string_view(data, n));
      return n;
    }
  }
  if (t.max_body != 0 && t.body.size() + n > t.max_body) {
    t.too_large = true;
    return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
  }
  t.body.append(data, n);
  return n;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    t.headers.clear();  // a new response (after a redirect or 100 Continue)
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  t.headers.emplace_back(std::move(name), std::string(value));
  return n;
}

/// curl_slist owned for the duration of one transfer.
class HeaderList {
 public:
  explicit HeaderList(const std::vector<std::pair<std::string, std::string>>& headers) {
    for (const auto& [name, value] : headers)
      list_ = curl_slist_append(list_, (name + ": " + value).c_str());
  }
  ~HeaderList() { curl_slist_free_all(list_); }
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

void Configure(CURL* easy, const HttpRequest& request, Transfer& transfer,
               const HeaderList& headers, char* error_buffer) {
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "gzip");  // sends the header and decodes
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);             // threads: no SIGALRM for timeouts
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 3L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_USERAGENT, kUserAgent);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<std::int64_t>(1, request.connect_timeout.count())));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(std::max<std::int64_t>(0, request.timeout.count())));
  if (request.idle_timeout.count() > 0) {
    // curl measures stalls in whole seconds: less than 1 byte per second for that long fails.
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(
        easy, CURLOPT_LOW_SPEED_TIME,
        static_cast<long>(std::max<std::int64_t>(1, (request.idle_timeout.count() + 999) / 1000)));
  }
  if (request.max_body_bytes != 0) {
    // Refuses early when Content-Length (of the encoded body) already says too much.
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(request.max_body_bytes));
  }
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);
  transfer.easy = easy;
  transfer.max_body = request.max_body_bytes;
}

/// Runs one transfer on `multi`, returning early when `stop` is requested.
Result<void> Perform(CURLM* multi, CURL* easy, const HttpRequest& request, const Transfer& transfer,
                     const char* error_buffer, std::stop_token stop) {
  if (curl_multi_add_handle(multi, easy) != CURLM_OK)
    return Error{ErrorCode::kInternal, "curl_multi_add_handle failed"};
  CURLcode result = CURLE_OK;
  bool finished = false;
  bool cancelled = false;
  {
    std::stop_callback wake(stop, [multi] { curl_multi_wakeup(multi); });
    while (true) {
      int running = 0;
      if (curl_multi_perform(multi, &running) != CURLM_OK) break;
      int pending = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &pending)) {
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) {
          result = msg->data.result;
          finished = true;
        }
      }
      if (finished) break;
      if (stop.stop_requested()) {
        cancelled = true;
        break;
      }
      // Sleeps until there is socket activity, a curl timer fires, or the stop callback wakes it.
      if (curl_multi_poll(multi, nullptr, 0, 1000, nullptr) != CURLM_OK) break;
    }
  }
  curl_multi_remove_handle(multi, easy);
  const std::string where = "GET " + request.url + ": ";
  if (cancelled) return Error{ErrorCode::kUnavailable, where + "cancelled"};
  if (!finished) return Error{ErrorCode::kInternal, where + "transfer did not complete"};
  if (result == CURLE_OK) return {};
  if (transfer.too_large || result == CURLE_FILESIZE_EXCEEDED) {
    return Error{ErrorCode::kUnavailable, where + "response larger than " +
                                              std::to_string(request.max_body_bytes) + " bytes"};
  }
  const std::string detail =
      error_buffer[0] != '\0' ? std::string(error_buffer) : std::string(curl_easy_strerror(result));
  return Error{ErrorCode::kUnavailable, where + detail};
}

}  // namespace

CurlTransport::CurlTransport() {
  GlobalInit();
  get_easy_ = curl_easy_init();
  get_multi_ = curl_multi_init();
}

CurlTransport::~CurlTransport() {
  if (get_easy_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(get_easy_));
  if (get_multi_ != nullptr) curl_multi_cleanup(static_cast<CURLM*>(get_multi_));
}

Result<HttpResponse> CurlTransport::Get(const HttpRequest& request, std::stop_token stop) {
  std::lock_guard lock(get_mutex_);
  auto* easy = static_cast<CURL*>(get_easy_);
  auto* multi = static_cast<CURLM*>(get_multi_);
  if (easy == nullptr || multi == nullptr)
    return Error{ErrorCode::kInternal, "curl could not be initialized"};
  curl_easy_reset(easy);  // keeps the connection cache (in `multi`) and DNS cache
  Transfer transfer;
  char error_buffer[CURL_ERROR_SIZE] = {};
  const HeaderList headers(request.headers);
  Configure(easy, request, transfer, headers, error_buffer);
  if (auto done = Perform(multi, easy, request, transfer, error_buffer, stop); !done)
    return std::move(done).error();
  HttpResponse response;
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  response.headers = std::move(transfer.headers);
  response.body = std::move(transfer.body);
  return response;
}

Result<int> CurlTransport::Stream(const HttpRequest& request,
                                  const std::function<void(std::string_view)>& on_bytes,
                                  std::stop_token stop) {
  CURL* easy = curl_easy_init();
  CURLM* multi = curl_multi_init();
  if (easy == nullptr || multi == nullptr) {
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (multi != nullptr) curl_multi_cleanup(multi);
    return Error{ErrorCode::kInternal, "curl could not be initialized"};
  }
  Transfer transfer;
  transfer.on_bytes = &on_bytes;
  char error_buffer[CURL_ERROR_SIZE] = {};
  const HeaderList headers(request.headers);
  Configure(easy, request, transfer, headers, error_buffer);
  auto done = Perform(multi, easy, request, transfer, error_buffer, stop);
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(easy);
  curl_multi_cleanup(multi);
  if (!done) return std::move(done).error();
  return static_cast<int>(status);
}

}  // namespace aurora::sdk
