#include "server/api/stream.hpp"

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <string_view>

namespace aurora::server::api {

StreamHub::StreamHub(StreamOptions options) : options_(options) {
  heartbeat_ = std::jthread([this](std::stop_token stop) { Heartbeats(stop); });
}

StreamHub::~StreamHub() {
  heartbeat_.request_stop();
  if (heartbeat_.joinable()) heartbeat_.join();
  CloseAll();
}

std::string StreamHub::EventFor(const SnapshotBundle& b, bool with_snapshot) const {
  const std::string revision = std::to_string(b.revision);
  std::string event =
      "id: " + revision + "\nevent: revision\ndata: " + R"({"revision":)" + revision;
  constexpr std::string_view kMember = R"(,"snapshot":)";
  constexpr std::string_view kEnd = "}\n\n";
  // An event that does not fit a client's queue gets the client dropped, and it reconnects into
  // the same event: such a snapshot goes as a notice to fetch instead. Half the queue leaves room
  // for what may be queued before it (the retry line, pings, an older event).
  const std::size_t size = event.size() + kMember.size() + b.json.size() + kEnd.size();
  const bool fits = size <= options_.max_pending_bytes / 2;
  if (with_snapshot && fits && b.json.size() <= options_.inline_snapshot_bytes) {
    // The snapshot is one line of compact JSON, so it fits one `data:` field.
    event += kMember;
    event += b.json;
  }
  event += kEnd;
  return event;
}

http::Response StreamHub::Open(const http::Request& request, const std::shared_ptr<const SnapshotBundle>& current) {
  std::lock_guard lock(mutex_);
  streams_.erase(std::remove_if(streams_.begin(), streams_.end(), [](const auto& s) { return s.stream->IsClosed(); }),
                 streams_.end());
  if (streams_.size() >= options_.max_streams) {
    return http::Response::JsonError(503, "unavailable", "too many open streams; poll /api/v1/sdk/config instead");
  }
  auto stream = std::make_shared<http::EventStream>(options_.max_pending_bytes);
  std::int64_t known = -1;
  if (const auto last = request.Header("Last-Event-ID")) {
    std::from_chars(last->data(), last->data() + last->size(), known);
  }
  // A reconnecting client that already has this revision gets it without the snapshot.
  stream->Push("retry: 1000\n\n");
  if (current) stream->Push(EventFor(*current, known != current->revision));
  streams_.push_back(Subscriber{current ? current->environment : std::string(), stream});
  http::Response r = http::Response::Stream(stream);
  r.SetHeader("X-Accel-Buffering", "no");  // nginx: do not buffer the stream
  r.SetHeader("Cache-Control", "no-cache, no-transform");
  return r;
}

void StreamHub::Publish(const std::shared_ptr<const SnapshotBundle>& bundle) {
  if (!bundle) return;
  const std::string event = EventFor(*bundle, true);
  std::lock_guard lock(mutex_);
  auto [last, inserted] = last_revision_.try_emplace(bundle->environment, -1);
  if (bundle->revision <= last->second) return;
  last->second = bundle->revision;
  // Push never blocks: a client that cannot keep up is closed by its own bounded queue.
  streams_.erase(std::remove_if(streams_.begin(), streams_.end(),
                                [&](const auto& s) { return s.environment == bundle->environment && !s.stream->Push(event); }),
                 streams_.end());
}

void StreamHub::CloseEnvironment(const std::string& environment) {
  std::lock_guard lock(mutex_);
  last_revision_.erase(environment);
  for (auto& s : streams_) {
    if (s.environment == environment) s.stream->Close();
  }
  streams_.erase(std::remove_if(streams_.begin(), streams_.end(), [&](const auto& s) { return s.environment == environment; }),
                 streams_.end());
}

std::size_t StreamHub::open_streams() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(streams_.begin(), streams_.end(), [](const auto& s) { return !s.stream->IsClosed(); }));
}

void StreamHub::CloseAll() {
  std::lock_guard lock(mutex_);
  for (auto& s : streams_) s.stream->Close();
  streams_.clear();
}

void StreamHub::Heartbeats(std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock wait_lock(m);
  while (!stop.stop_requested()) {
    cv.wait_for(wait_lock, stop, options_.heartbeat, [] { return false; });
    if (stop.stop_requested()) break;
    std::lock_guard lock(mutex_);
    streams_.erase(
        std::remove_if(streams_.begin(), streams_.end(), [](const auto& s) { return !s.stream->Push(": ping\n\n"); }),
        streams_.end());
  }
}

}  // namespace aurora::server::api
