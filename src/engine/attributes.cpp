#include "aurora/attributes.hpp"

namespace aurora {

std::uint64_t Attributes::HashName(std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

const AttributeValue* Attributes::Find(std::string_view name, std::uint64_t name_hash) const {
  for (const Entry& e : entries_) {
    if (e.hash == name_hash && e.name == name) return &e.value;
  }
  return nullptr;
}

AttributeValue& Attributes::Slot(std::string_view name) {
  const std::uint64_t h = HashName(name);
  for (Entry& e : entries_) {
    if (e.hash == h && e.name == name) {
      e.value = AttributeValue{};
      return e.value;
    }
  }
  entries_.push_back(Entry{h, std::string(name), AttributeValue{}});
  return entries_.back().value;
}

Attributes& Attributes::SetString(std::string_view name, std::string_view value) & {
  AttributeValue& v = Slot(name);
  v.kind = AttributeValue::Kind::kString;
  v.string_value.assign(value);
  return *this;
}

Attributes& Attributes::SetNumber(std::string_view name, double value) & {
  AttributeValue& v = Slot(name);
  v.kind = AttributeValue::Kind::kNumber;
  v.number_value = value;
  return *this;
}

Attributes& Attributes::SetBool(std::string_view name, bool value) & {
  AttributeValue& v = Slot(name);
  v.kind = AttributeValue::Kind::kBool;
  v.bool_value = value;
  return *this;
}

Attributes& Attributes::SetOther(std::string_view name) & {
  Slot(name).kind = AttributeValue::Kind::kOther;
  return *this;
}

}  // namespace aurora
