#include "sdk/sync/sse_parser.hpp"

#include <utility>

namespace aurora::sdk {

SseParser::SseParser(std::function<void(const SseEvent&)> on_event, std::size_t max_line)
    : on_event_(std::move(on_event)), max_line_(max_line) {}

void SseParser::Reset() {
  line_.clear();
  overflow_ = false;
  after_cr_ = false;
  pending_ = SseEvent{};
  has_data_ = false;
}

void SseParser::Feed(std::string_view bytes) {
  for (const char c : bytes) {
    // Lines end with CRLF, LF or CR.
    if (c == '\n' && after_cr_) {
      after_cr_ = false;
      continue;
    }
    after_cr_ = c == '\r';
    if (c == '\n' || c == '\r') {
      if (!overflow_) Line(line_);
      line_.clear();
      overflow_ = false;
      continue;
    }
    if (overflow_) continue;
    if (line_.size() >= max_line_) {
      overflow_ = true;
      line_.clear();
      pending_ = SseEvent{};
      has_data_ = false;
      continue;
    }
    line_ += c;
  }
}

void SseParser::Line(std::string_view line) {
  if (line.empty()) {
    if (has_data_) {
      if (pending_.event.empty()) pending_.event = "message";
      on_event_(pending_);
    }
    const std::string last_id = pending_.id;  // the id persists across events
    pending_ = SseEvent{};
    pending_.id = last_id;
    has_data_ = false;
    return;
  }
  if (line.front() == ':') return;  // comment (keep-alive)
  std::string_view field = line;
  std::string_view value;
  if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) pending_.data += '\n';
    pending_.data += value;
    has_data_ = true;
  } else if (field == "event") {
    pending_.event = value;
  } else if (field == "id") {
    pending_.id = value;
  }
}

}  // namespace aurora::sdk
