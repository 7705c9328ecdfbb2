#include "engine/codec/json.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <system_error>
#include <vector>

namespace aurora::engine {
namespace {

// One pass over the text, without building anything: the nesting depth, so a hostile document
// of a million brackets is refused before nlohmann's parser (and recursive destructor) sees
// it; and the offsets just past each `-0` number token. nlohmann reads `-0` as the integer 0,
// while SPEC §3 reads every number as a double, and -0.0 hashes as "-0".
bool ScanText(std::string_view text, int max_depth, std::vector<std::size_t>& negative_zeros) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == '-' && i + 1 < text.size() && text[i + 1] == '0' &&
               (i == 0 || (text[i - 1] != 'e' && text[i - 1] != 'E'))) {  // not an exponent's sign
      const char next = i + 2 < text.size() ? text[i + 2] : ' ';
      if (!(next >= '0' && next <= '9') && next != '.' && next != 'e' && next != 'E') {
        negative_zeros.push_back(i + 2);
      }
    }
  }
  return true;
}

}  // namespace

Result<nlohmann::json> ParseJson(std::string_view text, int max_depth) {
  std::vector<std::size_t> negative_zeros;
  if (!ScanText(text, max_depth, negative_zeros)) {
    return Error{ErrorCode::kInvalidArgument,
                 "JSON nesting is deeper than " + std::to_string(max_depth) + " levels"};
  }
  // Keys seen in each open object, to refuse duplicates (nlohmann would keep the last one).
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  bool bad_number = false;
  auto callback = [&](int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    switch (event) {
      case E::object_start:
        keys.emplace_back();
        break;
      case E::object_end:
        keys.pop_back();
        break;
      case E::key:
        if (!keys.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
          duplicate = parsed.get<std::string>();
        }
        break;
      case E::value:
        if (parsed.is_number_float() && !std::isfinite(parsed.get<double>())) bad_number = true;
        break;
      default:
        break;
    }
    return true;
  };
  std::string rewritten;
  if (!negative_zeros.empty()) {
    std::size_t from = 0;
    for (std::size_t at : negative_zeros) {
      rewritten.append(text.substr(from, at - from));
      rewritten.append(".0");
      from = at;
    }
    rewritten.append(text.substr(from));
    text = rewritten;
  }
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/true,
                                /*ignore_comments=*/false);
  } catch (const nlohmann::json::exception& e) {
    // e.what() reads "[json.exception.parse_error.101] parse error at line 1, column 5: ...".
    std::string what = e.what();
    const auto pos = what.find("] ");
    return Error{ErrorCode::kInvalidArgument,
                 "malformed JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2))};
  }
  if (!duplicate.empty()) {
    return Error{ErrorCode::kInvalidArgument, "duplicate object key \"" + duplicate + "\""};
  }
  if (bad_number) return Error{ErrorCode::kInvalidArgument, "number out of range"};
  return doc;
}

Value ToValue(const nlohmann::json& json) {
  switch (json.type()) {
    case nlohmann::json::value_t::boolean:
      return Value::Bool(json.get<bool>());
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return Value::Number(json.get<double>());
    case nlohmann::json::value_t::string:
      return Value::String(json.get<std::string>());
    case nlohmann::json::value_t::array:
      return Value::Composite(Value::Kind::kArray, json.dump());
    case nlohmann::json::value_t::object:
      return Value::Composite(Value::Kind::kObject, json.dump());
    default:
      return Value();
  }
}

std::string JoinPath(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

std::string JoinPath(std::string_view path, std::size_t index) {
  std::string out(path);
  out += '[';
  out += std::to_string(index);
  out += ']';
  return out;
}

const char* JsonTypeName(const nlohmann::json& json) {
  switch (json.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return "number";
    case nlohmann::json::value_t::string: return "string";
    case nlohmann::json::value_t::array: return "array";
    case nlohmann::json::value_t::object: return "object";
    default: return "unknown";
  }
}

}  // namespace aurora::engine

// --- JsonDocument ------------------------------------------------------------------------

namespace aurora::engine {

// Recursive descent over the text, appending entries in document order. Every rule here matches
// nlohmann's lexer and parser as ParseJson configures them (tests/engine/json_test.cpp runs both;
// the snapshot fuzzer compares them).
class JsonReader {
 public:
  JsonReader(std::string_view text, int max_depth, JsonDocument& out)
      : text_(text), max_depth_(max_depth), entries_(out.entries_), strings_(out.strings_) {}

  std::optional<Error> Run() {
    // Strings only shrink when unescaped, so their total fits in the text's size: the buffer is
    // sized once, written through a pointer, and never moves (keys_ points into it).
    strings_.resize(text_.size());
    entries_.reserve(text_.size() / 8 + 16);
    // nlohmann skips a UTF-8 byte order mark at the start.
    if (text_.size() >= 3 && text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    SkipSpace();
    if (!ParseValue(0)) return std::move(error_);
    SkipSpace();
    if (pos_ != text_.size()) return SyntaxError("unexpected text after the document");
    strings_.resize(used_);
    return std::nullopt;
  }

 private:
  using Entry = JsonNode::Entry;
  using Type = JsonNode::Type;

  std::optional<Error> SyntaxError(std::string what) {
    // Line and column as nlohmann counts them (1-based; the column counts bytes).
    std::size_t line = 1, column = 0;
    const std::size_t end = std::min(pos_ + 1, text_.size());
    for (std::size_t i = 0; i < end; ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 0;
      } else {
        ++column;
      }
    }
    return Error{ErrorCode::kInvalidArgument, "malformed JSON: parse error at line " +
                                                  std::to_string(line) + ", column " +
                                                  std::to_string(column) + ": " + what};
  }
  bool Fail(std::string what) {
    error_ = SyntaxError(std::move(what));
    return false;
  }
  bool FailWith(std::string message) {
    error_ = Error{ErrorCode::kInvalidArgument, std::move(message)};
    return false;
  }

  void SkipSpace() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
      ++pos_;
    }
  }

  bool ParseValue(int depth) {
    if (pos_ >= text_.size()) return Fail("unexpected end of input; expected a value");
    switch (text_[pos_]) {
      case '{': return ParseObject(depth + 1);
      case '[': return ParseArray(depth + 1);
      case '"': return ParseString();
      case 't': return ParseLiteral("true", Type::kTrue);
      case 'f': return ParseLiteral("false", Type::kFalse);
      case 'n': return ParseLiteral("null", Type::kNull);
      default: return ParseNumber();
    }
  }

  bool ParseLiteral(std::string_view word, Type type) {
    if (text_.substr(pos_, word.size()) != word) return Fail("invalid literal; expected a value");
    pos_ += word.size();
    entries_.push_back(Entry{type, 0, 0});
    return true;
  }

  bool CheckDepth(int depth) {
    if (depth > max_depth_) {
      return FailWith("JSON nesting is deeper than " + std::to_string(max_depth_) + " levels");
    }
    return true;
  }

  bool ParseArray(int depth) {
    if (!CheckDepth(depth)) return false;
    const std::size_t self = entries_.size();
    entries_.push_back(Entry{Type::kArray, 0, 0});
    ++pos_;
    SkipSpace();
    std::uint32_t count = 0;
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
    } else {
      for (;;) {
        if (!ParseValue(depth)) return false;
        ++count;
        SkipSpace();
        if (pos_ >= text_.size()) return Fail("unexpected end of input; expected ',' or ']'");
        const char c = text_[pos_++];
        if (c == ']') break;
        if (c != ',') {
          --pos_;
          return Fail("unexpected character; expected ',' or ']'");
        }
        SkipSpace();
      }
    }
    entries_[self].size = count;
    entries_[self].payload = entries_.size();
    return true;
  }

  bool ParseObject(int depth) {
    if (!CheckDepth(depth)) return false;
    const std::size_t self = entries_.size();
    entries_.push_back(Entry{Type::kObject, 0, 0});
    const std::size_t keys_base = keys_.size();
    ++pos_;
    SkipSpace();
    std::uint32_t count = 0;
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
    } else {
      for (;;) {
        if (pos_ >= text_.size() || text_[pos_] != '"') {
          return Fail(pos_ >= text_.size() ? "unexpected end of input; expected a string literal"
                                           : "unexpected character; expected a string literal");
        }
        if (!ParseString()) return false;
        const Entry& key = entries_.back();
        const std::string_view name(strings_.data() + key.payload, key.size);
        // Small objects (all of a snapshot's own) compare each new key with the earlier ones;
        // larger ones are sorted once at the end, so a hostile object stays O(n log n).
        if (count < kLinearKeys) {
          for (std::size_t k = keys_base; k < keys_.size(); ++k) {
            if (keys_[k] == name) return FailWith("duplicate object key \"" + std::string(name) + "\"");
          }
        }
        keys_.push_back(name);
        SkipSpace();
        if (pos_ >= text_.size() || text_[pos_] != ':') {
          return Fail(pos_ >= text_.size() ? "unexpected end of input; expected ':'"
                                           : "unexpected character; expected ':'");
        }
        ++pos_;
        SkipSpace();
        if (!ParseValue(depth)) return false;
        ++count;
        SkipSpace();
        if (pos_ >= text_.size()) return Fail("unexpected end of input; expected ',' or '}'");
        const char c = text_[pos_++];
        if (c == '}') break;
        if (c != ',') {
          --pos_;
          return Fail("unexpected character; expected ',' or '}'");
        }
        SkipSpace();
      }
    }
    if (count > kLinearKeys) {
      std::sort(keys_.begin() + static_cast<std::ptrdiff_t>(keys_base), keys_.end());
      const auto dup = std::adjacent_find(keys_.begin() + static_cast<std::ptrdiff_t>(keys_base), keys_.end());
      if (dup != keys_.end()) return FailWith("duplicate object key \"" + std::string(*dup) + "\"");
    }
    keys_.resize(keys_base);
    entries_[self].size = count;
    entries_[self].payload = entries_.size();
    return true;
  }

  static int HexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Reads the four hex digits after "\u" at pos_ (which points at the 'u').
  bool ReadHex4(std::uint32_t& out) {
    if (pos_ + 5 > text_.size()) return Fail("unexpected end of input in a \\u escape");
    out = 0;
    for (std::size_t i = 1; i <= 4; ++i) {
      const int d = HexDigit(text_[pos_ + i]);
      if (d < 0) return Fail("'\\u' must be followed by 4 hex digits");
      out = out * 16 + static_cast<std::uint32_t>(d);
    }
    pos_ += 5;
    return true;
  }

  void AppendUtf8(std::uint32_t cp) {
    char* out = strings_.data();
    if (cp < 0x80) {
      out[used_++] = static_cast<char>(cp);
    } else if (cp < 0x800) {
      out[used_++] = static_cast<char>(0xC0 | (cp >> 6));
      out[used_++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out[used_++] = static_cast<char>(0xE0 | (cp >> 12));
      out[used_++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out[used_++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out[used_++] = static_cast<char>(0xF0 | (cp >> 18));
      out[used_++] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out[used_++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out[used_++] = static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // The length of the valid UTF-8 sequence starting at pos_ (a byte >= 0x80), or 0 (RFC 3629:
  // no overlong forms, no surrogates, nothing above U+10FFFF).
  std::size_t Utf8Length() const {
    const auto at = [&](std::size_t i) {
      return pos_ + i < text_.size() ? static_cast<unsigned char>(text_[pos_ + i]) : 0u;
    };
    const auto in = [](unsigned b, unsigned lo, unsigned hi) { return b >= lo && b <= hi; };
    const unsigned b0 = at(0);
    if (in(b0, 0xC2, 0xDF)) return in(at(1), 0x80, 0xBF) ? 2 : 0;
    if (b0 == 0xE0) return in(at(1), 0xA0, 0xBF) && in(at(2), 0x80, 0xBF) ? 3 : 0;
    if (in(b0, 0xE1, 0xEC) || in(b0, 0xEE, 0xEF)) return in(at(1), 0x80, 0xBF) && in(at(2), 0x80, 0xBF) ? 3 : 0;
    if (b0 == 0xED) return in(at(1), 0x80, 0x9F) && in(at(2), 0x80, 0xBF) ? 3 : 0;
    if (b0 == 0xF0) return in(at(1), 0x90, 0xBF) && in(at(2), 0x80, 0xBF) && in(at(3), 0x80, 0xBF) ? 4 : 0;
    if (in(b0, 0xF1, 0xF3)) return in(at(1), 0x80, 0xBF) && in(at(2), 0x80, 0xBF) && in(at(3), 0x80, 0xBF) ? 4 : 0;
    if (b0 == 0xF4) return in(at(1), 0x80, 0x8F) && in(at(2), 0x80, 0xBF) && in(at(3), 0x80, 0xBF) ? 4 : 0;
    return 0;
  }

  bool ParseString() {
    ++pos_;  // the opening quote
    const std::size_t start = used_;
    char* const buffer = strings_.data();
    const char* const text = text_.data();
    const std::size_t size = text_.size();
    for (;;) {
      // The common run: printable ASCII other than quote and backslash, copied as it is read.
      std::size_t i = pos_;
      std::size_t out = used_;
      while (i < size && kPlain[static_cast<unsigned char>(text[i])]) buffer[out++] = text[i++];
      used_ = out;
      pos_ = i;
      if (pos_ >= size) return Fail("unexpected end of input; missing closing quote");
      const auto c = static_cast<unsigned char>(text[pos_]);
      if (c == '"') {
        ++pos_;
        break;
      }
      if (c < 0x20) return Fail("control character must be escaped");
      if (c >= 0x80) {
        const std::size_t n = Utf8Length();
        if (n == 0) return Fail("invalid UTF-8 byte");
        for (std::size_t k = 0; k < n; ++k) buffer[used_++] = text[pos_++];
        continue;
      }
      // A backslash.
      if (++pos_ >= size) return Fail("unexpected end of input in an escape");
      switch (text[pos_]) {
        case '"': buffer[used_++] = '"'; break;
        case '\\': buffer[used_++] = '\\'; break;
        case '/': buffer[used_++] = '/'; break;
        case 'b': buffer[used_++] = '\b'; break;
        case 'f': buffer[used_++] = '\f'; break;
        case 'n': buffer[used_++] = '\n'; break;
        case 'r': buffer[used_++] = '\r'; break;
        case 't': buffer[used_++] = '\t'; break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!ReadHex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail("surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (pos_ + 1 >= size || text[pos_] != '\\' || text[pos_ + 1] != 'u') {
              return Fail("surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF");
            }
            ++pos_;
            std::uint32_t low = 0;
            if (!ReadHex4(low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return Fail("surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(cp);
          continue;  // ReadHex4 moved past the escape
        }
        default: return Fail("invalid escape");
      }
      ++pos_;
    }
    entries_.push_back(Entry{Type::kString, static_cast<std::uint32_t>(used_ - start), start});
    return true;
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  bool ParseNumber() {
    const std::size_t start = pos_;
    const auto digit_at = [&](std::size_t i) { return i < text_.size() && IsDigit(text_[i]); };
    const bool negative = text_[pos_] == '-';
    if (negative) ++pos_;
    if (!digit_at(pos_)) return Fail(negative ? "invalid number; expected a digit after '-'" : "invalid literal; expected a value");
    const std::size_t int_start = pos_;
    if (text_[pos_] == '0') {
      ++pos_;
    } else {
      while (digit_at(pos_)) ++pos_;
    }
    const std::size_t int_digits = pos_ - int_start;
    bool is_integer = true;
    std::size_t first_fraction_nonzero = 0;  // 1-based position of the first non-zero fraction digit
    if (pos_ < text_.size() && text_[pos_] == '.') {
      is_integer = false;
      ++pos_;
      if (!digit_at(pos_)) return Fail("invalid number; expected a digit after '.'");
      for (std::size_t k = 1; digit_at(pos_); ++k, ++pos_) {
        if (first_fraction_nonzero == 0 && text_[pos_] != '0') first_fraction_nonzero = k;
      }
    }
    std::int64_t exponent = 0;
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      is_integer = false;
      ++pos_;
      bool exponent_negative = false;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) exponent_negative = text_[pos_++] == '-';
      if (!digit_at(pos_)) return Fail("invalid number; expected a digit in the exponent");
      for (; digit_at(pos_); ++pos_) {
        if (exponent < 1'000'000'000'000'000) exponent = exponent * 10 + (text_[pos_] - '0');
      }
      if (exponent_negative) exponent = -exponent;
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (is_integer) {
      if (!negative) {
        std::uint64_t u = 0;
        if (std::from_chars(first, last, u).ec == std::errc()) {
          entries_.push_back(Entry{Type::kUnsigned, 0, u});
          return true;
        }
      } else if (!(int_digits == 1 && text_[int_start] == '0')) {  // -0 is the double -0.0
        std::int64_t i = 0;
        if (std::from_chars(first, last, i).ec == std::errc()) {
          entries_.push_back(Entry{Type::kInteger, 0, static_cast<std::uint64_t>(i)});
          return true;
        }
      }
    }
    // A float, or an integer too large for 64 bits: the correctly rounded double, as strtod.
    double d = 0;
    const auto result = std::from_chars(first, last, d);
    if (result.ec == std::errc::result_out_of_range) {
      // Overflow or underflow. A magnitude of at least 1 (a non-zero integer part, or a
      // fraction lifted by the exponent) overflowed; anything smaller rounds to zero.
      const bool large =
          text_[int_start] != '0'
              ? static_cast<std::int64_t>(int_digits) - 1 + exponent >= 0
              : first_fraction_nonzero != 0 &&
                    exponent - static_cast<std::int64_t>(first_fraction_nonzero) >= 0;
      if (large) return FailWith("number out of range");
      d = negative ? -0.0 : 0.0;
    } else if (result.ec != std::errc() || result.ptr != last) {
      return Fail("invalid number");
    }
    entries_.push_back(Entry{Type::kDouble, 0, std::bit_cast<std::uint64_t>(d)});
    return true;
  }

  static constexpr std::uint32_t kLinearKeys = 16;
  // Bytes a string holds as they are: printable ASCII except '"' and '\\'.
  static constexpr auto kPlain = [] {
    std::array<bool, 256> plain{};
    for (int c = 0x20; c < 0x80; ++c) plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    return plain;
  }();

  std::string_view text_;
  int max_depth_;
  std::vector<JsonNode::Entry>& entries_;
  std::string& strings_;
  std::vector<std::string_view> keys_;  // keys of the open objects, innermost last
  std::size_t pos_ = 0;
  std::size_t used_ = 0;  // bytes of strings_ written
  std::optional<Error> error_;
};

Result<JsonDocument> JsonDocument::Parse(std::string_view text, int max_depth) {
  if (text.size() >= std::numeric_limits<std::uint32_t>::max()) {
    return Error{ErrorCode::kInvalidArgument, "JSON text is too large"};
  }
  JsonDocument doc;
  if (auto error = JsonReader(text, max_depth, doc).Run()) return std::move(*error);
  return doc;
}

double JsonNode::GetDouble() const {
  const Entry& e = entry();
  switch (e.type) {
    case Type::kInteger: return static_cast<double>(static_cast<std::int64_t>(e.payload));
    case Type::kUnsigned: return static_cast<double>(e.payload);
    case Type::kDouble: return std::bit_cast<double>(e.payload);
    default: return 0;
  }
}

std::optional<JsonNode> JsonNode::Find(std::string_view key) const {
  JsonNode member = First();
  for (std::uint32_t i = 0; i < size(); ++i) {
    const JsonNode value(document_, member.index_ + 1);
    if (member.GetString() == key) return value;
    member = value.Next();
  }
  return std::nullopt;
}

nlohmann::json JsonNode::ToJson() const {
  switch (type()) {
    case Type::kNull: return nullptr;
    case Type::kFalse: return false;
    case Type::kTrue: return true;
    case Type::kInteger: return GetInteger();
    case Type::kUnsigned: return GetUnsigned();
    case Type::kDouble: return GetDouble();
    case Type::kString: return std::string(GetString());
    case Type::kArray: {
      nlohmann::json out = nlohmann::json::array();
      out.get_ref<nlohmann::json::array_t&>().reserve(size());
      JsonNode item = First();
      for (std::uint32_t i = 0; i < size(); ++i, item = item.Next()) out.push_back(item.ToJson());
      return out;
    }
    case Type::kObject: {
      nlohmann::json out = nlohmann::json::object();
      auto& members = out.get_ref<nlohmann::json::object_t&>();
      JsonNode key = First();
      for (std::uint32_t i = 0; i < size(); ++i) {
        const JsonNode value(document_, key.index_ + 1);
        members.emplace_hint(members.end(), std::string(key.GetString()), value.ToJson());
        key = value.Next();
      }
      return out;
    }
  }
  return nullptr;
}

const char* JsonNode::TypeName() const {
  switch (type()) {
    case Type::kNull: return "null";
    case Type::kFalse:
    case Type::kTrue: return "boolean";
    case Type::kInteger:
    case Type::kUnsigned:
    case Type::kDouble: return "number";
    case Type::kString: return "string";
    case Type::kArray: return "array";
    case Type::kObject: return "object";
  }
  return "unknown";
}

std::string JsonPath::ToString() const {
  std::vector<const JsonPath*> chain;
  for (const JsonPath* p = this; p->parent_ != nullptr; p = p->parent_) chain.push_back(p);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const JsonPath& p = **it;
    if (p.is_index_) {
      out += '[';
      out += std::to_string(p.index_);
      out += ']';
    } else {
      if (!out.empty()) out += '.';
      out += p.key_;
    }
  }
  return out;
}

}  // namespace aurora::engine
