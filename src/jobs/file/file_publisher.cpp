#include "jobs/file/file_publisher.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

namespace aurora::jobs::file {
namespace {

Error IoError(const std::string& what, const std::string& path) {
  return Error{ErrorCode::kUnavailable, what + " " + path + ": " + std::strerror(errno)};
}

Result<void> SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open directory", dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return IoError("cannot sync directory", dir);
  return {};
}

}  // namespace

Result<void> WriteFileAtomically(const std::string& path, std::string_view data) {
  const std::filesystem::path target(path);
  const std::string dir = target.parent_path().empty() ? "." : target.parent_path().string();
  // A unique temporary name, so two writers never share one.
  std::random_device rd;
  const std::string tmp = dir + "/." + target.filename().string() + ".tmp-" +
                          std::to_string(::getpid()) + "-" + std::to_string(rd());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("cannot create", tmp);
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = IoError("cannot write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Error e = IoError("cannot sync", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = IoError("cannot rename onto", path);
    ::unlink(tmp.c_str());
    return e;
  }
  return SyncDirectory(dir);
}

std::optional<std::int64_t> FilePublisher::CurrentRevision(const std::string& below) const {
  std::ifstream in(dir_ + "/" + below + "snapshot.json", std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return SnapshotRevision(text.str());
}

Result<PublishOutcome> FilePublisher::Publish(const SnapshotFiles& files, std::stop_token stop) {
  auto outcome = PublishAt(EnvironmentPrefix(files.environment), files, stop);
  if (!outcome || !files.is_default) return outcome;
  // The default environment's job reports on the wave-1 location, where older SDKs read.
  return PublishAt("", files, stop);
}

Result<PublishOutcome> FilePublisher::PublishAt(const std::string& below, const SnapshotFiles& files,
                                                std::stop_token stop) {
  const std::string dir = below.empty() ? dir_ : dir_ + "/" + below.substr(0, below.size() - 1);
  std::error_code ec;
  std::filesystem::create_directories(dir + "/snapshots", ec);
  if (ec)
    return Error{ErrorCode::kUnavailable, "cannot create " + dir + "/snapshots: " + ec.message()};
  PublishOutcome outcome;
  outcome.previous_revision = CurrentRevision(below);
  if (outcome.previous_revision && *outcome.previous_revision >= files.revision) return outcome;
  const std::pair<std::string, const std::string*> writes[] = {
      {dir + "/snapshots/" + std::to_string(files.revision) + ".json", &files.snapshot},
      {dir + "/parameters.json", &files.parameters},
      {dir + "/experiments.json", &files.experiments},
      {dir + "/snapshot.json", &files.snapshot},  // last: readers watch this one
  };
  for (const auto& [path, body] : writes) {
    if (stop.stop_requested())
      return Error{ErrorCode::kUnavailable, "publishing to " + dir + " was stopped"};
    if (auto r = WriteFileAtomically(path, *body); !r) return r.error();
  }
  outcome.written = true;
  return outcome;
}

}  // namespace aurora::jobs::file
