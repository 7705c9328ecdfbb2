#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace aurora::sdk {

/// One Server-Sent Event.
struct SseEvent {
  std::string id;
  std::string event;  // "message" when the stream named none
  std::string data;   // data lines joined with '\n'
};

/// Incremental parser for the text/event-stream format (WHATWG HTML §9.2): feed bytes in any
/// chunking; each complete event (ended by a blank line) is passed to the callback. Comment lines
/// (": ...") and unknown fields are skipped. A line longer than `max_line` bytes discards the
/// event in progress, so a broken stream cannot grow memory without bound. Not thread-safe.
class SseParser {
 public:
  explicit SseParser(std::function<void(const SseEvent&)> on_event,
                     std::size_t max_line = 1u << 20);

  void Feed(std::string_view bytes);
  /// Drops any partial line or event (for a new connection).
  void Reset();

 private:
  void Line(std::string_view line);

  std::function<void(const SseEvent&)> on_event_;
  std::size_t max_line_;
  std::string line_;
  bool overflow_ = false;
  bool after_cr_ = false;
  SseEvent pending_;
  bool has_data_ = false;
};

}  // namespace aurora::sdk
