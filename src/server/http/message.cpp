#include "server/http/message.hpp"

#include <algorithm>

namespace aurora::server::http {
namespace {

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string_view> FindField(const FieldList& fields, std::string_view name,
                                          bool ignore_case) {
  for (const auto& [key, value] : fields) {
    if (ignore_case ? EqualsIgnoreCase(key, name) : key == name) return std::string_view(value);
  }
  return std::nullopt;
}

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 when it is malformed
// (overlong forms, surrogates and code points above U+10FFFF included).
std::size_t Utf8SequenceLength(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  std::size_t length = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return LowerAscii(x) == LowerAscii(y);
         });
}

std::optional<std::string_view> Request::Header(std::string_view name) const {
  return FindField(headers, name, /*ignore_case=*/true);
}

std::optional<std::string_view> Request::Query(std::string_view name) const {
  return FindField(query, name, /*ignore_case=*/false);
}

EventStream::EventStream(std::size_t max_pending_bytes) : max_pending_bytes_(max_pending_bytes) {}

bool EventStream::Push(std::string chunk) {
  std::lock_guard lock(mutex_);
  if (closed_) return false;
  if (chunk.empty()) return true;  // an empty chunk would end chunked encoding
  if (pending_.size() + chunk.size() > max_pending_bytes_) {
    // The client is not reading: give up on it rather than buffer without bound.
    closed_ = true;
    pending_.clear();
    if (wake_) wake_();
    return false;
  }
  pending_ += chunk;
  // Called under the lock so that the transport can detach the waker before its I/O context
  // goes away without racing a producer that copied it.
  if (wake_) wake_();
  return true;
}

void EventStream::Close() {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  closed_ = true;
  if (wake_) wake_();
}

bool EventStream::IsClosed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

Response Response::Json(int status, std::string body) {
  Response response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = std::move(body);
  return response;
}

Response Response::JsonError(int status, std::string_view code, std::string_view message) {
  return Json(status, R"({"error":{"code":)" + JsonQuote(code) + R"(,"message":)" +
                          JsonQuote(message) + "}}");
}

Response Response::Stream(std::shared_ptr<EventStream> stream, std::string content_type) {
  Response response;
  response.headers.emplace_back("Content-Type", std::move(content_type));
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.stream = std::move(stream);
  return response;
}

void Response::SetHeader(std::string_view name, std::string value) {
  std::erase_if(headers, [&](const auto& field) { return EqualsIgnoreCase(field.first, name); });
  headers.emplace_back(std::string(name), std::move(value));
}

std::optional<std::string_view> Response::Header(std::string_view name) const {
  return FindField(headers, name, /*ignore_case=*/true);
}

std::string JsonQuote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t length = Utf8SequenceLength(text, i);
      if (length == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
  return out;
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      const char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return std::nullopt;
      out += decoded;
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<RequestTarget> ParseRequestTarget(std::string_view target) {
  if (target.empty() || target.front() != '/' || target.find('\0') != std::string_view::npos) return std::nullopt;
  const std::size_t question = target.find('?');
  RequestTarget result;
  auto path = PercentDecode(target.substr(0, question), /*plus_as_space=*/false);
  if (!path) return std::nullopt;
  result.path = std::move(*path);
  if (question == std::string_view::npos) return result;

  std::string_view rest = target.substr(question + 1);
  if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    auto name = PercentDecode(pair.substr(0, eq), /*plus_as_space=*/true);
    auto value = PercentDecode(
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!name || !value) return std::nullopt;
    result.query.emplace_back(std::move(*name), std::move(*value));
  }
  return result;
}

}  // namespace aurora::server::http
