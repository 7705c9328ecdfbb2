#include "store/database.hpp"

#include <charconv>

namespace aurora::store {

const std::string& Row::Text(std::size_t i) const {
  static const std::string kEmpty;
  const auto& c = columns.at(i);
  return c ? *c : kEmpty;
}

std::int64_t Row::Int(std::size_t i) const { return OptionalInt(i).value_or(0); }

std::optional<std::int64_t> Row::OptionalInt(std::size_t i) const {
  const auto& c = columns.at(i);
  if (!c) return std::nullopt;
  std::int64_t v = 0;
  std::from_chars(c->data(), c->data() + c->size(), v);
  return v;
}

}  // namespace aurora::store
