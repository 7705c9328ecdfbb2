#include "jobs/s3/s3_publisher.hpp"

#include <charconv>

#include "engine/time.hpp"

namespace aurora::jobs {
namespace {

// snapshots/<revision>.json never changes once written; the latest files do at every publish.
constexpr const char* kImmutable = "public, max-age=31536000, immutable";
constexpr const char* kLatest = "no-cache";

std::optional<std::int64_t> ParseRevision(const std::string& text) {
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

Result<std::optional<std::int64_t>> S3Publisher::CurrentRevision(std::stop_token stop, const std::string& below) {
  const std::string key = prefix_ + below + "snapshot.json";
  auto head = store_.Head(key, stop);
  if (!head) {
    if (head.error().code == ErrorCode::kNotFound) return std::optional<std::int64_t>();
    return std::move(head).error();
  }
  if (auto it = head->metadata.find("aurora-revision"); it != head->metadata.end()) {
    if (auto v = ParseRevision(it->second)) return std::optional<std::int64_t>(*v);
  }
  // Written by something else (no metadata): read the document itself.
  auto got = store_.Get(s3::GetRequest{key, "", stop});
  if (!got) {
    if (got.error().code == ErrorCode::kNotFound) return std::optional<std::int64_t>();
    return std::move(got).error();
  }
  return SnapshotRevision(got->body);
}

Result<PublishOutcome> S3Publisher::Publish(const SnapshotFiles& files, std::stop_token stop) {
  auto outcome = PublishAt(EnvironmentPrefix(files.environment), files, stop);
  if (!outcome || !files.is_default) return outcome;
  // The default environment's job reports on the wave-1 location, where older SDKs read.
  return PublishAt("", files, stop);
}

Result<PublishOutcome> S3Publisher::PublishAt(const std::string& below, const SnapshotFiles& files,
                                              std::stop_token stop) {
  const std::string prefix = prefix_ + below;
  auto current = CurrentRevision(stop, below);
  if (!current) return std::move(current).error();
  PublishOutcome outcome;
  outcome.previous_revision = *current;
  if (*current && **current >= files.revision) return outcome;

  std::map<std::string, std::string> metadata = {
      {"aurora-revision", std::to_string(files.revision)}};
  if (files.generated_at) {
    metadata["aurora-generated-at"] =
        engine::FormatRfc3339(engine::Timestamp(std::chrono::microseconds(*files.generated_at)));
  }
  const struct {
    std::string key;
    const std::string* body;
    const char* cache_control;
  } writes[] = {
      {prefix + "snapshots/" + std::to_string(files.revision) + ".json", &files.snapshot,
       kImmutable},
      {prefix + "parameters.json", &files.parameters, kLatest},
      {prefix + "experiments.json", &files.experiments, kLatest},
      {prefix + "snapshot.json", &files.snapshot, kLatest},  // last: readers poll this one
  };
  for (const auto& w : writes) {
    s3::PutRequest put{w.key, *w.body, "application/json", w.cache_control, metadata, stop};
    if (auto r = store_.Put(put); !r) return std::move(r).error();
  }
  outcome.written = true;
  return outcome;
}

}  // namespace aurora::jobs
