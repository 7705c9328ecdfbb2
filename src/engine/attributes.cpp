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
  const std::size_t n = hashes_.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (hashes_[i] == name_hash && entries_[i].name == name) return &entries_[i].value;
  }
  return nullptr;
}

AttributeValue& Attributes::Slot(std::string_view name) {
  const std::uint64_t h = HashName(name);
  for (std::size_t i = 0; i < hashes_.size(); ++i) {
    if (hashes_[i] == h && entries_[i].name == name) {
      entries_[i].value = AttributeValue{};
      return entries_[i].value;
    }
  }
  hashes_.push_back(h);
  entries_.push_back(Entry{std::string(name), AttributeValue{}});
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
