#include "sdk/sync/sse_parser.hpp"

#include <vector>

#include <gtest/gtest.h>

#include "sdk/sync/stream_listener.hpp"

namespace aurora::sdk {
namespace {

std::vector<SseEvent> Parse(const std::vector<std::string>& chunks,
                            std::size_t max_line = 1u << 20) {
  std::vector<SseEvent> events;
  SseParser parser([&](const SseEvent& e) { events.push_back(e); }, max_line);
  for (const auto& c : chunks) parser.Feed(c);
  return events;
}

TEST(SseParserTest, ParsesTheServersRevisionEvents) {
  const auto events =
      Parse({"id: 41\nevent: revision\ndata: {\"revision\": 41}\n\n: keep-alive\n\n",
             "id: 42\nevent: revision\ndata: {\"revision\": 42}\n\n"});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, "41");
  EXPECT_EQ(events[0].event, "revision");
  EXPECT_EQ(events[0].data, R"({"revision": 41})");
  EXPECT_EQ(events[1].id, "42");
}

TEST(SseParserTest, AcceptsAnyChunkingAndLineEnding) {
  const std::string text = "event: revision\r\ndata: a\r\ndata: b\r\n\r\nevent: x\rdata:c\r\r";
  for (std::size_t split = 0; split <= text.size(); ++split) {
    const auto events = Parse({text.substr(0, split), text.substr(split)});
    ASSERT_EQ(events.size(), 2u) << split;
    EXPECT_EQ(events[0].data, "a\nb");
    EXPECT_EQ(events[1].event, "x");
    EXPECT_EQ(events[1].data, "c");
  }
  // One byte at a time.
  std::vector<std::string> bytes;
  for (char c : text) bytes.emplace_back(1, c);
  EXPECT_EQ(Parse(bytes).size(), 2u);
}

TEST(SseParserTest, CommentsAndEventsWithoutDataDispatchNothing) {
  EXPECT_TRUE(Parse({": hello\n\nevent: revision\n\nid: 3\n\n"}).empty());
  const auto events = Parse({"data: x\n\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "message");
}

TEST(SseParserTest, AnOverlongLineDropsTheEventInsteadOfGrowing) {
  const auto events = Parse({"data: " + std::string(100, 'x') + "\n\n", "data: ok\n\n"}, 50);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "ok");
}

TEST(SseParserTest, AnnouncedRevisionReadsDataThenId) {
  EXPECT_EQ(AnnouncedRevision("", R"({"revision": 12})"), 12);
  EXPECT_EQ(AnnouncedRevision("9", R"({"revision": 12, "snapshot": {}})"), 12);
  EXPECT_EQ(AnnouncedRevision("9", "not json"), 9);
  EXPECT_EQ(AnnouncedRevision("x", R"({"revision": "12"})"), -1);
  EXPECT_EQ(AnnouncedRevision("", R"({"revision": -4})"), -1);
}

TEST(SseParserTest, FindsAnInlineSnapshotOnlyInTheServersExactForm) {
  const auto found = FindInlineSnapshot(R"({"revision":12,"snapshot":{"a":[1,{"b":2}]}})");
  EXPECT_EQ(found.revision, 12);
  EXPECT_EQ(found.document, R"({"a":[1,{"b":2}]})");
  for (const char* other :
       {R"({"revision":12})", R"({"revision": 12,"snapshot":{}})", R"({"snapshot":{},"revision":12})",
        R"({"revision":-1,"snapshot":{}})", R"({"revision":12,"snapshot":[]})",
        R"({"revision":1x,"snapshot":{}})", "", "{}"}) {
    EXPECT_EQ(FindInlineSnapshot(other).revision, -1) << other;
    EXPECT_TRUE(FindInlineSnapshot(other).document.empty()) << other;
  }
}

}  // namespace
}  // namespace aurora::sdk
