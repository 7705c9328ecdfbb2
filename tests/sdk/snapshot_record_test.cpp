#include "sdk/cache/snapshot_record.hpp"

#include <gtest/gtest.h>

namespace aurora::sdk {
namespace {

TEST(SnapshotRecordTest, RoundTrips) {
  const CachedSnapshot in{42, "\"42\"", R"({"formatVersion":1,"revision":42})"};
  const std::string record = EncodeSnapshotRecord(in);
  EXPECT_TRUE(record.starts_with("AURORA-SNAPSHOT 1 "));
  auto out = DecodeSnapshotRecord(record);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->revision, 42);
  EXPECT_EQ(out->etag, "\"42\"");
  EXPECT_EQ(out->json, in.json);
}

TEST(SnapshotRecordTest, KeepsBinaryAndNewlinesInTheDocumentAndDropsThemFromTheEtag) {
  const CachedSnapshot in{1, "W/\"1\"\n", std::string("a\nb\0c\n", 6)};
  auto out = DecodeSnapshotRecord(EncodeSnapshotRecord(in));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->etag, "W/\"1\"");
  EXPECT_EQ(out->json, in.json);
}

TEST(SnapshotRecordTest, EverySingleByteChangeIsDetected) {
  const std::string record =
      EncodeSnapshotRecord({7, "\"7\"", R"({"formatVersion":1,"revision":7,"parameters":[]})"});
  for (std::size_t i = 0; i < record.size(); ++i) {
    for (unsigned char flip : {0x01, 0x80, 0xff}) {
      std::string bad = record;
      bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) ^ flip);
      auto out = DecodeSnapshotRecord(bad);
      ASSERT_FALSE(out) << "byte " << i << " ^ " << int(flip);
      EXPECT_EQ(out.error().code, ErrorCode::kCorrupt);
    }
  }
}

TEST(SnapshotRecordTest, TruncationAndGarbageAreDetected) {
  const std::string record = EncodeSnapshotRecord({7, "\"7\"", R"({"formatVersion":1})"});
  for (std::size_t n = 0; n < record.size(); ++n)
    EXPECT_FALSE(DecodeSnapshotRecord(record.substr(0, n))) << n;
  EXPECT_FALSE(DecodeSnapshotRecord(record + "x"));
  EXPECT_FALSE(DecodeSnapshotRecord("garbage"));
  EXPECT_FALSE(DecodeSnapshotRecord(""));
}

TEST(SnapshotRecordTest, Sha256MatchesTheStandardVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace aurora::sdk
