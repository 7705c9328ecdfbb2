#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aurora {

/// One attribute value as an application sends it.
struct AttributeValue {
  /// kOther stands for JSON null, arrays and objects: present as a key, but never matching
  /// and never usable as a hash attribute.
  enum class Kind { kString, kNumber, kBool, kOther };
  Kind kind = Kind::kOther;
  std::string string_value;
  double number_value = 0;
  bool bool_value = false;
};

/// The attributes of one evaluation (the user, device, request...). A builder:
///   auto attrs = aurora::Attributes().SetString("user_id", "u1").SetNumber("age", 28);
/// Setting a name again replaces its value. Not thread-safe to modify; safe to read from many
/// threads once built.
class Attributes {
 public:
  Attributes& SetString(std::string_view name, std::string_view value) &;
  Attributes& SetNumber(std::string_view name, double value) &;
  Attributes& SetBool(std::string_view name, bool value) &;
  /// Marks `name` present with a value that is neither string, number nor boolean.
  Attributes& SetOther(std::string_view name) &;
  Attributes&& SetString(std::string_view name, std::string_view value) && { return std::move(SetString(name, value)); }
  Attributes&& SetNumber(std::string_view name, double value) && { return std::move(SetNumber(name, value)); }
  Attributes&& SetBool(std::string_view name, bool value) && { return std::move(SetBool(name, value)); }
  Attributes&& SetOther(std::string_view name) && { return std::move(SetOther(name)); }

  /// The value under `name`, or nullptr. Never allocates.
  const AttributeValue* Find(std::string_view name) const { return Find(name, HashName(name)); }
  /// The same with the name's HashName precomputed (what compiled snapshots do).
  const AttributeValue* Find(std::string_view name, std::uint64_t name_hash) const;

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  /// The i-th (name, value) pair, in insertion order.
  std::string_view NameAt(std::size_t i) const { return entries_[i].name; }
  const AttributeValue& ValueAt(std::size_t i) const { return entries_[i].value; }

  /// The 64-bit FNV-1a hash of an attribute name, used to speed up lookups.
  static std::uint64_t HashName(std::string_view name);

 private:
  struct Entry {
    std::string name;
    AttributeValue value;
  };
  AttributeValue& Slot(std::string_view name);
  // Name hashes apart from the entries, so a lookup scans one compact array (usually one
  // cache line) and touches a single entry.
  std::vector<std::uint64_t> hashes_;
  std::vector<Entry> entries_;
};

}  // namespace aurora
