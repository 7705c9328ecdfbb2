// LmdbKvStore: persistence, one instance per directory, and survival of a damaged file: a byte
// of data.mdb flipped at every position of the pages in use must never crash the process, and
// whatever comes back is either the stored value, nothing, an error, or bytes whose checksum
// (a level up, DecodeSnapshotRecord) fails.

#include "sdk/cache/lmdb_kv_store.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "sdk/cache/snapshot_record.hpp"

namespace aurora::sdk {
namespace {

constexpr std::size_t kTestMapSize = std::size_t{1} << 20;

std::filesystem::path TempDir(const std::string& name) {
  static int counter = 0;
  auto dir =
      std::filesystem::temp_directory_path() / ("aurora_sdk_lmdb_" + std::to_string(getpid()) +
                                                "_" + std::to_string(counter++) + "_" + name);
  std::filesystem::remove_all(dir);
  return dir;
}

std::string Record(std::size_t payload_size) {
  std::string json =
      R"({"formatVersion":1,"revision":5,"pad":")" + std::string(payload_size, 'p') + "\"}";
  return EncodeSnapshotRecord({5, "\"5\"", json});
}

std::uintmax_t UsedBytes(const std::filesystem::path& data) {
  // The file is as long as the map (MDB_WRITEMAP); the pages in use come first. Find the end of
  // the last non-zero page.
  std::ifstream in(data, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::size_t end = bytes.find_last_not_of('\0');
  return end == std::string::npos ? 0 : ((end / 4096) + 1) * 4096;
}

void FlipByte(const std::filesystem::path& file, std::uintmax_t offset, unsigned char mask) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(static_cast<unsigned char>(c) ^ mask));
}

TEST(LmdbKvStoreTest, StoresAndReadsBackAcrossReopen) {
  const auto dir = TempDir("reopen");
  {
    auto store = LmdbKvStore::Open(dir.string(), kTestMapSize);
    ASSERT_TRUE(store) << store.error().message;
    auto missing = (*store)->Get("k");
    ASSERT_TRUE(missing);
    EXPECT_FALSE(missing->has_value());
    ASSERT_TRUE((*store)->Put("k", "v1"));
    ASSERT_TRUE((*store)->Put("k", "v2"));
    ASSERT_TRUE((*store)->Put("big", std::string(100'000, 'b')));
  }
  auto store = LmdbKvStore::Open(dir.string(), kTestMapSize);
  ASSERT_TRUE(store);
  EXPECT_TRUE((*store)->discarded_reason().empty());
  EXPECT_EQ((*store)->Get("k")->value_or(""), "v2");
  EXPECT_EQ((*store)->Get("big")->value_or("").size(), 100'000u);
  std::filesystem::remove_all(dir);
}

TEST(LmdbKvStoreTest, ASecondOpenOfTheSameDirectoryInOneProcessFails) {
  const auto dir = TempDir("twice");
  auto first = LmdbKvStore::Open(dir.string(), kTestMapSize);
  ASSERT_TRUE(first);
  auto second = LmdbKvStore::Open(dir.string(), kTestMapSize);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  first->reset();
  EXPECT_TRUE(LmdbKvStore::Open(dir.string(), kTestMapSize));
  std::filesystem::remove_all(dir);
}

TEST(LmdbKvStoreTest, AValueTooLargeForTheMapFailsCleanly) {
  const auto dir = TempDir("full");
  auto store = LmdbKvStore::Open(dir.string(), kTestMapSize);
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->Put("k", "small"));
  EXPECT_FALSE((*store)->Put("k", std::string(2 * kTestMapSize, 'x')));
  EXPECT_EQ((*store)->Get("k")->value_or(""), "small");
  std::filesystem::remove_all(dir);
}

TEST(LmdbKvStoreTest, AGarbageFileIsDiscardedAndReplaced) {
  const auto dir = TempDir("garbage");
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir / "data.mdb", std::ios::binary);
    out << std::string(20'000, '\x5a');
  }
  auto store = LmdbKvStore::Open(dir.string(), kTestMapSize);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_FALSE((*store)->discarded_reason().empty());
  EXPECT_TRUE(std::filesystem::exists(dir / "data.mdb.corrupt"));
  ASSERT_TRUE((*store)->Put("k", "v"));
  EXPECT_EQ((*store)->Get("k")->value_or(""), "v");
  std::filesystem::remove_all(dir);
}

// Which bytes to flip in `used` bytes of pages of 4096: with `dense`, every byte of each page's
// first 160 (header, node pointers, the meta fields) and last 1024 (LMDB packs nodes from the page
// end) and every 61st byte in between; otherwise every `stride`-th byte.
std::vector<std::uintmax_t> Positions(std::uintmax_t used, bool dense, std::size_t stride) {
  std::vector<std::uintmax_t> out;
  for (std::uintmax_t pos = 0; pos < used; ++pos) {
    const std::uintmax_t in_page = pos % 4096;
    const bool take =
        dense ? (in_page < 160 || in_page >= 4096 - 1024 || in_page % 61 == 0) : pos % stride == 0;
    if (take) out.push_back(pos);
  }
  return out;
}

// Flips one byte of data.mdb at each chosen position; for each, opens, reads, and (for every
// `write_every`-th position) writes and reads again.
void SurvivesFlips(std::size_t payload_size, unsigned char mask, bool dense, std::size_t stride,
                   std::size_t write_every) {
  const auto dir = TempDir("flip" + std::to_string(payload_size));
  const std::string value = Record(payload_size);
  const std::vector<std::string> history = {Record(payload_size / 2), Record(payload_size * 2)};
  {
    // Several writes, so the free-list tree has entries too.
    auto store = LmdbKvStore::Open(dir.string(), kTestMapSize);
    ASSERT_TRUE(store);
    for (const std::string& older : history) ASSERT_TRUE((*store)->Put("snapshot:http://x", older));
    ASSERT_TRUE((*store)->Put("other", "o"));
    ASSERT_TRUE((*store)->Put("snapshot:http://x", value));
  }
  const auto data = dir / "data.mdb";
  const std::string pristine = [&] {
    std::ifstream in(data, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }();
  const std::uintmax_t used = UsedBytes(data);
  ASSERT_GT(used, 8192u);
  std::size_t served_intact = 0, older_version = 0, refused = 0, changed_but_caught = 0,
              checked = 0;
  bool dirty = false;
  const auto positions = Positions(used, dense, stride);
  for (std::size_t index = 0; index < positions.size(); ++index) {
    const std::uintmax_t pos = positions[index];
    SCOPED_TRACE("byte " + std::to_string(pos));
    if (dirty) {
      // The store wrote or replaced the file: restore it. Otherwise flipping back was enough
      // (opening and reading do not write data.mdb).
      std::filesystem::remove(dir / "data.mdb.corrupt");
      std::ofstream out(data, std::ios::binary | std::ios::trunc);
      out << pristine;
      dirty = false;
    }
    FlipByte(data, pos, mask);
    auto store = LmdbKvStore::Open(dir.string(), kTestMapSize);
    ASSERT_TRUE(store) << store.error().message;  // a damaged file is replaced, never fatal
    auto got = (*store)->Get("snapshot:http://x");
    if (!got || !got->has_value()) {
      ++refused;
    } else if (**got == value) {
      ++served_intact;
    } else if (std::find(history.begin(), history.end(), **got) != history.end()) {
      // A flipped transaction id in the other meta page makes LMDB pick the previous commit: an
      // older value, genuine and checksummed (the client would sync past it).
      ++older_version;
    } else {
      ASSERT_FALSE(DecodeSnapshotRecord(**got)) << "a changed value passed the checksum";
      ++changed_but_caught;
    }
    dirty = !(*store)->discarded_reason().empty();
    if (index % write_every == 0) {
      dirty = true;
      ASSERT_TRUE((*store)->Put("snapshot:http://x", "fresh")) << "position " << pos;
      auto again = (*store)->Get("snapshot:http://x");
      ASSERT_TRUE(again);
      EXPECT_EQ(again->value_or(""), "fresh");
    }
    ++checked;
    store->reset();
    if (!dirty) FlipByte(data, pos, mask);
  }
  std::cout << "[          ] payload " << payload_size << " mask " << int(mask) << ": " << checked
            << " positions, intact " << served_intact << ", older version " << older_version
            << ", refused " << refused << ", changed but caught " << changed_but_caught << "\n";
  EXPECT_GT(checked, 0u);
  EXPECT_GT(refused + changed_but_caught, 0u) << "no flip had any effect: the test proves nothing";
  std::filesystem::remove_all(dir);
}

TEST(LmdbKvStoreTest, AFlippedByteInTheStructureOfASmallValuesPagesNeverCrashesOrServesCorruption) {
  SurvivesFlips(500, 0xff, true, 1, 151);
}

TEST(LmdbKvStoreTest,
     AFlippedByteAtSampledPositionsOfAnOverflowValueNeverCrashesOrServesCorruption) {
  SurvivesFlips(20'000, 0xff, false, 17, 101);
}

TEST(LmdbKvStoreTest, SingleBitFlipsAtSampledPositionsNeverCrash) {
  for (unsigned char mask : {0x01, 0x10, 0x80}) SurvivesFlips(3'000, mask, false, 31, 101);
}

}  // namespace
}  // namespace aurora::sdk
