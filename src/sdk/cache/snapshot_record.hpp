#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "aurora/result.hpp"

namespace aurora::sdk {

/// A snapshot as the cache keeps it: the document exactly as the server sent it, its revision
/// and the ETag to send back in If-None-Match.
struct CachedSnapshot {
  std::int64_t revision = 0;
  std::string etag;
  std::string json;
};

/// The stored form: one line "AURORA-SNAPSHOT 1 <sha256 hex of the rest>\n", then
/// "<revision>\n<etag>\n" and the document. One value, so one atomic write.
std::string EncodeSnapshotRecord(const CachedSnapshot& snapshot);

/// Checks the header and the checksum and splits the record; kCorrupt on any mismatch. Does not
/// parse the document (the caller loads it and compares its revision).
Result<CachedSnapshot> DecodeSnapshotRecord(std::string_view record);

/// Lower-case hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

}  // namespace aurora::sdk
