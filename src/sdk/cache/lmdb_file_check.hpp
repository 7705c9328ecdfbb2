#pragma once

#include <string>

#include "aurora/result.hpp"

namespace aurora::sdk {

/// Checks the structure of an LMDB 0.9 data file before LMDB maps it: both meta pages, and from
/// the meta LMDB will pick, every page of the main and free-list trees (page numbers, headers,
/// node offsets and sizes, overflow runs, free-list page lists, and the counts in the meta).
/// LMDB does not validate its file; on a damaged one it may assert (abort) or touch memory past
/// the end of the map. A file that passes this check gives it only in-range pages and nodes.
/// kCorrupt with a reason on the first problem; success for a missing or empty file.
Result<void> CheckLmdbFile(const std::string& path);

}  // namespace aurora::sdk
