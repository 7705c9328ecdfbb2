#include "server/services/snapshot_service.hpp"

#include <zlib.h>

#include <algorithm>
#include <condition_variable>
#include <optional>

#include "engine/codec/snapshot_codec.hpp"
#include "server/services/model_mapping.hpp"
#include "server/services/try.hpp"

namespace aurora::server {

std::string Gzip(std::string_view data) {
  z_stream z{};
  // windowBits 15 + 16 selects the gzip wrapper.
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out;
  out.resize(deflateBound(&z, static_cast<uLong>(data.size())) + 32);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

SnapshotService::SnapshotService(store::Database& db, std::chrono::milliseconds poll_interval,
                                 std::string default_environment)
    : db_(db), poll_interval_(poll_interval), default_environment_(std::move(default_environment)) {}

SnapshotService::~SnapshotService() { Stop(); }

Result<void> SnapshotService::Start() {
  AURORA_CHECK(Refresh());
  poller_ = std::jthread([this](std::stop_token stop) {
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    while (!stop.stop_requested()) {
      cv.wait_for(lock, stop, poll_interval_, [] { return false; });
      if (stop.stop_requested()) break;
      lock.unlock();
      (void)Refresh();  // failures are counted; the last good bundle keeps serving
      lock.lock();
    }
  });
  return {};
}

void SnapshotService::Stop() {
  if (poller_.joinable()) {
    poller_.request_stop();
    poller_.join();
  }
}

void SnapshotService::OnChange(std::function<void(const std::shared_ptr<const SnapshotBundle>&)> listener) {
  change_listeners_.push_back(std::move(listener));
}

void SnapshotService::OnRemove(std::function<void(const std::string&)> listener) {
  remove_listeners_.push_back(std::move(listener));
}

std::shared_ptr<const SnapshotBundle> SnapshotService::Current() const { return Current(default_environment_); }

std::shared_ptr<const SnapshotBundle> SnapshotService::Current(std::string_view environment) const {
  std::lock_guard lock(mutex_);
  const auto it = current_.find(environment);
  return it == current_.end() ? nullptr : it->second;
}

Result<void> SnapshotService::Refresh() {
  std::lock_guard refresh(refresh_mutex_);
  std::vector<store::Environment> environments;
  {
    AURORA_TRY(tx, db_.Begin(false));
    AURORA_TRY(all, store::AllEnvironments(*tx));
    environments = std::move(all);
  }
  std::optional<Error> failure;
  for (const store::Environment& e : environments) {
    const auto current = Current(e.name);
    if (current && current->revision == e.revision) continue;
    auto built = Build(e.name);
    if (!built) {
      build_failures_.fetch_add(1);
      if (!failure) failure = std::move(built).error();
      continue;
    }
    if (!*built) continue;  // deleted meanwhile
    std::shared_ptr<const SnapshotBundle> installed;
    {
      std::lock_guard lock(mutex_);
      // Never go back: a slower build of an older revision loses against a newer one.
      auto& slot = current_[e.name];
      if (!slot || (*built)->revision > slot->revision) {
        slot = std::move(*built);
        installed = slot;
      }
    }
    if (installed) {
      for (auto& listener : change_listeners_) listener(installed);
    }
  }
  std::vector<std::string> removed;
  {
    std::lock_guard lock(mutex_);
    for (auto it = current_.begin(); it != current_.end();) {
      const bool exists = std::any_of(environments.begin(), environments.end(),
                                      [&](const store::Environment& e) { return e.name == it->first; });
      if (exists) {
        ++it;
      } else {
        removed.push_back(it->first);
        it = current_.erase(it);
      }
    }
  }
  for (const std::string& name : removed) {
    for (auto& listener : remove_listeners_) listener(name);
  }
  if (failure) return std::move(*failure);
  return {};
}

Result<std::shared_ptr<const SnapshotBundle>> SnapshotService::Build(const std::string& environment) {
  AURORA_TRY(tx, db_.Begin(false));  // one consistent read (PostgreSQL: REPEATABLE READ)
  AURORA_TRY(env, store::GetEnvironment(*tx, environment));
  if (!env) return std::shared_ptr<const SnapshotBundle>();
  AURORA_TRY(config, LoadStoredConfig(*tx, *env));
  tx.reset();
  const engine::Snapshot snapshot = ToSnapshot(config, false);
  auto compiled = engine::CompileSnapshot(snapshot);
  if (!compiled) {
    return Error{ErrorCode::kInternal, "revision " + std::to_string(snapshot.revision) +
                                           " does not compile: " + compiled.error().ToString()};
  }
  auto bundle = std::make_shared<SnapshotBundle>();
  bundle->environment = environment;
  bundle->revision = snapshot.revision;
  bundle->generated_at = snapshot.generated_at ? engine::FormatRfc3339(*snapshot.generated_at) : "";
  bundle->etag = "\"" + std::to_string(snapshot.revision) + "\"";
  const auto doc = engine::SnapshotToJson(snapshot);
  bundle->json = doc.dump();
  bundle->gzip = Gzip(bundle->json);
  bundle->parameters_json = nlohmann::ordered_json{{"parameters", doc["parameters"]}}.dump();
  bundle->experiments_json = nlohmann::ordered_json{{"experiments", doc["experiments"]}}.dump();
  bundle->compiled = std::move(*compiled);
  return std::shared_ptr<const SnapshotBundle>(std::move(bundle));
}

}  // namespace aurora::server
