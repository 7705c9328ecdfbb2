#include "sdk/sync/stream_listener.hpp"

#include <charconv>
#include <random>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "sdk/sync/backoff.hpp"
#include "sdk/sync/sse_parser.hpp"

namespace aurora::sdk {

std::int64_t AnnouncedRevision(std::string_view id, std::string_view data) {
  const auto doc = nlohmann::json::parse(data, nullptr, false);
  if (doc.is_object()) {
    const auto it = doc.find("revision");
    if (it != doc.end() && it->is_number_integer() && it->get<std::int64_t>() >= 0)
      return it->get<std::int64_t>();
  }
  std::int64_t revision = -1;
  const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), revision);
  if (ec == std::errc() && end == id.data() + id.size() && revision >= 0) return revision;
  return -1;
}

InlineSnapshot FindInlineSnapshot(std::string_view data) {
  constexpr std::string_view kHead = R"({"revision":)";
  constexpr std::string_view kMiddle = R"(,"snapshot":)";
  if (!data.starts_with(kHead) || !data.ends_with('}')) return {};
  std::string_view rest = data.substr(kHead.size());
  std::int64_t revision = -1;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), revision);
  if (ec != std::errc() || revision < 0) return {};
  rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
  if (!rest.starts_with(kMiddle)) return {};
  rest.remove_prefix(kMiddle.size());
  rest.remove_suffix(1);  // the closing brace of the event object
  if (rest.empty() || rest.front() != '{') return {};
  return {revision, rest};
}

StreamListener::StreamListener(Transport& transport, HttpRequest request,
                               std::function<void(std::int64_t, std::string_view)> on_revision,
                               std::function<std::int64_t()> known_revision, SyncSchedule backoff,
                               Logger& logger)
    : transport_(transport),
      request_(std::move(request)),
      on_revision_(std::move(on_revision)),
      known_revision_(std::move(known_revision)),
      backoff_(backoff),
      logger_(logger) {}

StreamListener::~StreamListener() { Stop(); }

void StreamListener::Start() {
  std::lock_guard lock(thread_mutex_);
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) { Run(std::move(stop)); });
}

void StreamListener::Stop() {
  std::lock_guard lock(thread_mutex_);
  if (!thread_.joinable()) return;
  thread_.request_stop();
  cv_.notify_all();
  thread_.join();
}

void StreamListener::Run(std::stop_token stop) {
  std::minstd_rand random(std::random_device{}());
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  bool got_event = false;
  SseParser parser([&](const SseEvent& event) {
    got_event = true;
    if (const InlineSnapshot found = FindInlineSnapshot(event.data); found.revision >= 0) {
      on_revision_(found.revision, found.document);
      return;
    }
    const std::int64_t revision = AnnouncedRevision(event.id, event.data);
    if (revision >= 0) on_revision_(revision, {});
  });
  const std::function<void(std::string_view)> feed = [&](std::string_view bytes) {
    parser.Feed(bytes);
  };
  int failures = 0;
  while (!stop.stop_requested()) {
    parser.Reset();
    got_event = false;
    Result<int> ended = Error{ErrorCode::kInternal, "not run"};
    try {
      HttpRequest request = request_;
      if (const std::int64_t known = known_revision_ ? known_revision_() : 0; known > 0) {
        request.headers.emplace_back("Last-Event-ID", std::to_string(known));
      }
      ended = transport_.Stream(request, feed, stop);
    } catch (const std::exception& e) {
      ended = Error{ErrorCode::kInternal, e.what()};
    } catch (...) {
      ended = Error{ErrorCode::kInternal, "unknown exception"};
    }
    if (stop.stop_requested()) break;
    if (got_event) failures = 0;
    std::chrono::milliseconds delay;
    if (ended && (*ended == 404 || *ended == 405 || *ended == 501)) {
      logger_.LogOnce(LogLevel::kInfo, "stream-missing",
                      "the server has no event stream (HTTP " + std::to_string(*ended) +
                          "); relying on polling");
      delay = backoff_.backoff_max;
    } else {
      ++failures;
      logger_.Log(LogLevel::kDebug, ended ? "event stream ended with HTTP " + std::to_string(*ended)
                                          : "event stream: " + ended.error().message);
      delay = BackoffDelay(failures, backoff_.backoff_initial, backoff_.backoff_max, unit(random));
    }
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, stop, delay, [] { return false; });
  }
}

}  // namespace aurora::sdk
