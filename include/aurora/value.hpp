#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace aurora {

/// An immutable JSON value as evaluation returns it: a parameter's default, a rule's value or
/// a variant's value. It keeps the typed scalar and the canonical JSON text side by side, so
/// reading either never parses or allocates. Values live inside a loaded snapshot.
class Value {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  /// A JSON null.
  Value() = default;
  static Value Bool(bool b);
  static Value Number(double d);
  static Value String(std::string s);
  /// An array or object from its canonical JSON text (the caller guarantees it is valid JSON).
  static Value Composite(Kind kind, std::string json);

  Kind kind() const { return kind_; }
  bool IsNull() const { return kind_ == Kind::kNull; }

  /// Typed access: the value when it has the asked type, otherwise `fallback`.
  /// AsInt only takes integral numbers that fit in int64.
  std::string AsString(std::string fallback) const;
  std::int64_t AsInt(std::int64_t fallback) const;
  double AsDouble(double fallback) const;
  bool AsBool(bool fallback) const;
  /// The canonical JSON text of any value (a string comes back quoted and escaped).
  const std::string& Json() const { return json_; }
  /// The string's bytes without copying; empty for non-strings.
  std::string_view StringView() const { return kind_ == Kind::kString ? text_ : std::string_view(); }

  friend bool operator==(const Value& a, const Value& b) { return a.json_ == b.json_; }

 private:
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string text_;           // the string value, for kString
  std::string json_ = "null";  // canonical JSON text
};

}  // namespace aurora
