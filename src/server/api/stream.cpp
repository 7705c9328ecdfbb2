#include "server/api/stream.hpp"

#include <algorithm>
#include <charconv>
#include <condition_variable>

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
  std::string data = R"({"revision":)" + std::to_string(b.revision);
  if (with_snapshot && b.json.size() <= options_.inline_snapshot_bytes) {
    data += R"(,"snapshot":)" + b.json;
  }
  data += '}';
  // The snapshot is one line of compact JSON, so it fits one `data:` field.
  return "id: " + std::to_string(b.revision) + "\nevent: revision\ndata: " + data + "\n\n";
}

http::Response StreamHub::Open(const http::Request& request, const std::shared_ptr<const SnapshotBundle>& current) {
  std::lock_guard lock(mutex_);
  streams_.erase(std::remove_if(streams_.begin(), streams_.end(), [](const auto& s) { return s->IsClosed(); }),
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
  streams_.push_back(stream);
  http::Response r = http::Response::Stream(stream);
  r.SetHeader("X-Accel-Buffering", "no");  // nginx: do not buffer the stream
  r.SetHeader("Cache-Control", "no-cache, no-transform");
  return r;
}

void StreamHub::Publish(const std::shared_ptr<const SnapshotBundle>& bundle) {
  if (!bundle) return;
  const std::string event = EventFor(*bundle, true);
  std::lock_guard lock(mutex_);
  if (bundle->revision <= last_revision_) return;
  last_revision_ = bundle->revision;
  // Push never blocks: a client that cannot keep up is closed by its own bounded queue.
  streams_.erase(std::remove_if(streams_.begin(), streams_.end(), [&](const auto& s) { return !s->Push(event); }),
                 streams_.end());
}

std::size_t StreamHub::open_streams() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(streams_.begin(), streams_.end(), [](const auto& s) { return !s->IsClosed(); }));
}

void StreamHub::CloseAll() {
  std::lock_guard lock(mutex_);
  for (auto& s : streams_) s->Close();
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
    streams_.erase(std::remove_if(streams_.begin(), streams_.end(), [](const auto& s) { return !s->Push(": ping\n\n"); }),
                   streams_.end());
  }
}

}  // namespace aurora::server::api
