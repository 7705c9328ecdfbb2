#include "sdk/exposure_dedup.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <utility>

#include "engine/bucketing.hpp"

namespace aurora::sdk {

ExposureDeduplicator::ExposureDeduplicator(std::size_t capacity)
    : generation_capacity_(std::max<std::size_t>(1, capacity / 2)) {
  // At most half full, so probes stay short.
  const std::size_t slots = std::bit_ceil(generation_capacity_ * 2);
  young_.slots.assign(slots, 0);
  old_.slots.assign(slots, 0);
}

std::uint64_t ExposureDeduplicator::Key(std::string_view user_key,
                                        std::int64_t experiment_id) noexcept {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, experiment_id).ptr;
  engine::Murmur3 m;
  m.Update(std::string_view(digits, static_cast<std::size_t>(end - digits)));
  m.Update(std::string_view(":", 1));
  m.Update(user_key);
  const std::uint64_t h = m.H1();
  return h == 0 ? 1 : h;  // 0 marks an empty slot
}

bool ExposureDeduplicator::FirstTime(std::string_view user_key, std::int64_t experiment_id) {
  return FirstTime(Key(user_key, experiment_id));
}

bool ExposureDeduplicator::FirstTime(std::uint64_t key) {
  if (key == 0) key = 1;
  std::lock_guard lock(mutex_);
  if (young_.Contains(key)) return false;
  const bool seen = old_.Contains(key);
  if (young_.size >= generation_capacity_) {
    std::swap(young_, old_);
    young_.Clear();
  }
  young_.Insert(key);
  return !seen;
}

bool ExposureDeduplicator::Generation::Contains(std::uint64_t key) const noexcept {
  const std::size_t mask = slots.size() - 1;
  for (std::size_t i = key & mask;; i = (i + 1) & mask) {
    if (slots[i] == key) return true;
    if (slots[i] == 0) return false;
  }
}

void ExposureDeduplicator::Generation::Insert(std::uint64_t key) noexcept {
  const std::size_t mask = slots.size() - 1;
  std::size_t i = key & mask;
  while (slots[i] != 0 && slots[i] != key) i = (i + 1) & mask;
  if (slots[i] == 0) {
    slots[i] = key;
    ++size;
  }
}

void ExposureDeduplicator::Generation::Clear() noexcept {
  std::fill(slots.begin(), slots.end(), 0);
  size = 0;
}

}  // namespace aurora::sdk
