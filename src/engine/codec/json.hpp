#pragma once

// Strict JSON reading shared by every parser of untrusted text in Aurora (snapshots, request
// bodies, cache entries), so each applies the same rules.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aurora/result.hpp"
#include "aurora/value.hpp"

namespace aurora::engine {

inline constexpr int kDefaultMaxJsonDepth = 64;

/// Parses one JSON document. Refuses (kInvalidArgument, with the byte offset in the message):
/// syntax errors, invalid UTF-8, lone surrogate escapes, duplicate object keys, nesting deeper
/// than `max_depth`, and numbers that overflow a double.
Result<nlohmann::json> ParseJson(std::string_view text, int max_depth = kDefaultMaxJsonDepth);

/// The JSON value as an evaluation Value (typed scalar plus canonical text).
Value ToValue(const nlohmann::json& json);

class JsonDocument;

/// One value inside a JsonDocument: a cheap handle, valid while its document lives.
class JsonNode {
 public:
  enum class Type : std::uint8_t {
    kNull, kFalse, kTrue,
    kInteger,   // a negative integer that fits int64 (nlohmann's number_integer)
    kUnsigned,  // a non-negative integer that fits uint64 (nlohmann's number_unsigned)
    kDouble,    // any other number, -0 included (nlohmann's number_float)
    kString, kArray, kObject,
  };

  Type type() const { return entry().type; }
  bool IsNull() const { return type() == Type::kNull; }
  bool IsBool() const { return type() == Type::kFalse || type() == Type::kTrue; }
  bool IsInteger() const { return type() == Type::kInteger || type() == Type::kUnsigned; }
  bool IsNumber() const { return IsInteger() || type() == Type::kDouble; }
  bool IsString() const { return type() == Type::kString; }
  bool IsArray() const { return type() == Type::kArray; }
  bool IsObject() const { return type() == Type::kObject; }

  // Typed reads; each requires the matching Is...() (numbers: any number reads as a double).
  bool GetBool() const { return type() == Type::kTrue; }
  std::int64_t GetInteger() const { return static_cast<std::int64_t>(entry().payload); }
  std::uint64_t GetUnsigned() const { return entry().payload; }
  double GetDouble() const;
  inline std::string_view GetString() const;

  /// Elements of an array or members of an object.
  std::size_t size() const { return entry().size; }
  /// The member called `key` of an object, or nullopt.
  std::optional<JsonNode> Find(std::string_view key) const;
  /// The first element of an array or the first member's key of an object (an object's members
  /// are key, value, key, value, ...); call only when size() > 0. Next() steps over a whole value.
  JsonNode First() const { return JsonNode(document_, index_ + 1); }
  inline JsonNode Next() const;

  /// The value as nlohmann::json, with the types ParseJson gives.
  nlohmann::json ToJson() const;
  /// "string", "number", "object", ... as JsonTypeName.
  const char* TypeName() const;

 private:
  friend class JsonDocument;
  friend class JsonReader;
  struct Entry {
    Type type = Type::kNull;
    std::uint32_t size = 0;     // string length; element or member count
    std::uint64_t payload = 0;  // number bits; string offset; a container's end (entry index)
  };
  JsonNode(const JsonDocument* document, std::size_t index) : document_(document), index_(index) {}
  inline const Entry& entry() const;

  const JsonDocument* document_;
  std::size_t index_;
};

/// A whole JSON document parsed in one pass into one flat array of entries, with ParseJson's
/// rules (syntax, UTF-8, surrogates, duplicate keys, nesting checked before descending, number
/// overflow, `-0` as a negative double). For readers that walk a large document once, such as
/// the snapshot decoder: it allocates a few buffers rather than a node per value. Errors are
/// kInvalidArgument, worded as ParseJson's (syntax errors name the line and column).
class JsonDocument {
 public:
  static Result<JsonDocument> Parse(std::string_view text, int max_depth = kDefaultMaxJsonDepth);
  JsonNode Root() const { return JsonNode(this, 0); }

  // Nodes point at the document: move it only before taking nodes from it.
  JsonDocument(JsonDocument&&) = default;
  JsonDocument& operator=(JsonDocument&&) = default;

 private:
  friend class JsonNode;
  friend class JsonReader;
  JsonDocument() = default;
  std::vector<JsonNode::Entry> entries_;
  std::string strings_;  // every string and key, unescaped, back to back
};

const JsonNode::Entry& JsonNode::entry() const { return document_->entries_[index_]; }

std::string_view JsonNode::GetString() const {
  const Entry& e = entry();
  return std::string_view(document_->strings_.data() + e.payload, e.size);
}

JsonNode JsonNode::Next() const {
  const Entry& e = entry();
  const bool container = e.type == Type::kArray || e.type == Type::kObject;
  return JsonNode(document_, container ? static_cast<std::size_t>(e.payload) : index_ + 1);
}

/// A JSON path built on the stack while a decoder descends, and rendered as text only when an
/// error needs it. A segment borrows its parent and its key: keep each level in a named variable
/// (or a function parameter) that outlives its children.
class JsonPath {
 public:
  JsonPath() = default;  // the document root
  JsonPath(const JsonPath& parent, std::string_view key) : parent_(&parent), key_(key) {}
  JsonPath(const JsonPath& parent, std::size_t index)
      : parent_(&parent), index_(index), is_index_(true) {}
  JsonPath(const JsonPath&) = delete;
  JsonPath& operator=(const JsonPath&) = delete;

  /// `parameters[3].rules[0].value`; empty for the root.
  std::string ToString() const;

 private:
  const JsonPath* parent_ = nullptr;
  std::string_view key_;
  std::size_t index_ = 0;
  bool is_index_ = false;
};

/// A JSON path segment appended to `path`: `.key` (bare `key` at the root) or `[i]`.
std::string JoinPath(std::string_view path, std::string_view key);
std::string JoinPath(std::string_view path, std::size_t index);

/// The name of a JSON value's type for messages: "string", "number", "object", ...
const char* JsonTypeName(const nlohmann::json& json);

}  // namespace aurora::engine
