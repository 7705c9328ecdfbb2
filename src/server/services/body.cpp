#include "server/services/body.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>

#include "engine/codec/json.hpp"

namespace aurora::server {

Error Invalid(std::string field, std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), std::move(field)};
}

Result<void> BodyReader::Expect(std::initializer_list<std::string_view> allowed) const {
  if (!object_.is_object()) {
    return Invalid(path_, std::string("must be an object, got ") + engine::JsonTypeName(object_));
  }
  for (const auto& [key, value] : object_.items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || key == a;
    if (!known) return Invalid(PathOf(key), "unknown field");
  }
  return {};
}

const nlohmann::json* BodyReader::Find(std::string_view key) const {
  if (!object_.is_object()) return nullptr;
  const auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

bool BodyReader::HasValue(std::string_view key) const {
  const auto* v = Find(key);
  return v != nullptr && !v->is_null();
}

std::string BodyReader::PathOf(std::string_view key) const { return engine::JoinPath(path_, key); }

Result<std::string> BodyReader::String(std::string_view key, std::size_t max_length, bool required) const {
  const auto* v = Find(key);
  if (v == nullptr || v->is_null()) {
    if (required) return Invalid(PathOf(key), "is required");
    return std::string();
  }
  if (!v->is_string()) return Invalid(PathOf(key), std::string("must be a string, got ") + engine::JsonTypeName(*v));
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > max_length) {
    return Invalid(PathOf(key), "must be at most " + std::to_string(max_length) + " bytes long");
  }
  return s;
}

Result<std::optional<std::int64_t>> BodyReader::Id(std::string_view key, bool required) const {
  const auto* v = Find(key);
  if (v == nullptr || v->is_null()) {
    if (required) return Invalid(PathOf(key), "is required");
    return std::optional<std::int64_t>();
  }
  if (v->is_number_integer() && v->get<std::int64_t>() > 0) return std::optional<std::int64_t>(v->get<std::int64_t>());
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > 0 &&
      v->get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return std::optional<std::int64_t>(static_cast<std::int64_t>(v->get<std::uint64_t>()));
  }
  return Invalid(PathOf(key), "must be a positive integer id");
}

Result<std::optional<bool>> BodyReader::Bool(std::string_view key) const {
  const auto* v = Find(key);
  if (v == nullptr || v->is_null()) return std::optional<bool>();
  if (!v->is_boolean()) return Invalid(PathOf(key), std::string("must be a boolean, got ") + engine::JsonTypeName(*v));
  return std::optional<bool>(v->get<bool>());
}

Result<std::optional<engine::Timestamp>> BodyReader::Date(std::string_view key) const {
  const auto* v = Find(key);
  if (v == nullptr || v->is_null()) return std::optional<engine::Timestamp>();
  if (!v->is_string()) return Invalid(PathOf(key), "must be an RFC 3339 date-time string or null");
  const auto t = engine::ParseRfc3339(v->get_ref<const std::string&>());
  if (!t) return Invalid(PathOf(key), "must be an RFC 3339 date-time such as 2026-11-27T21:00:00Z");
  return std::optional<engine::Timestamp>(*t);
}

Result<std::string> CheckIdentifier(const std::string& name, const std::string& field) {
  const auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  };
  bool valid = !name.empty() && name.size() <= kMaxNameLength &&
               ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'));
  for (char c : name) valid = valid && ok(c);
  if (!valid) {
    return Invalid(field, "must start with a letter and hold only letters, digits, '_', '.' and '-' (1-128 characters)");
  }
  return name;
}

Result<std::string> CheckLabel(const std::string& name, const std::string& field) {
  const auto first = name.find_first_not_of(' ');
  const auto last = name.find_last_not_of(' ');
  std::string trimmed = first == std::string::npos ? std::string() : name.substr(first, last - first + 1);
  if (trimmed.empty()) return Invalid(field, "must not be empty");
  for (std::size_t i = 0; i < trimmed.size(); ++i) {
    const auto c = static_cast<unsigned char>(trimmed[i]);
    const bool c1 = c == 0xC2 && i + 1 < trimmed.size() && static_cast<unsigned char>(trimmed[i + 1]) < 0xA0;
    if (c < 0x20 || c == 0x7f || c1) return Invalid(field, "must not contain control characters");  // C0, DEL, C1
  }
  // Count code points, not bytes (the text is valid UTF-8: the JSON reader refuses others).
  std::size_t code_points = 0;
  for (unsigned char c : trimmed) code_points += (c & 0xC0) != 0x80;
  if (code_points > kMaxNameLength) return Invalid(field, "must be at most 128 characters long");
  return trimmed;
}

Result<void> CheckRuleId(const std::string& id, const std::string& field) {
  bool valid = !id.empty() && id.size() <= 64;
  for (char c : id) {
    valid = valid && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
  }
  if (!valid) return Invalid(field, "must be 1-64 characters of letters, digits, '_' and '-'");
  return {};
}

Result<nlohmann::json> TypedValue(engine::ParameterType type, const nlohmann::json& value, const std::string& field) {
  switch (type) {
    case engine::ParameterType::kString:
      if (!value.is_string()) return Invalid(field, std::string("must be a string, got ") + engine::JsonTypeName(value));
      if (value.get_ref<const std::string&>().size() > kMaxStringValueLength) {
        return Invalid(field, "must be at most " + std::to_string(kMaxStringValueLength) + " bytes long");
      }
      return value;
    case engine::ParameterType::kNumber:
      if (value.is_number()) return value;
      if (value.is_string()) {
        auto parsed = engine::ParseJson(value.get_ref<const std::string&>());
        if (parsed && parsed->is_number()) return *parsed;
      }
      return Invalid(field, "must be a number (or a string holding one)");
    case engine::ParameterType::kBoolean:
      if (value.is_boolean()) return value;
      if (value == "true") return nlohmann::json(true);
      if (value == "false") return nlohmann::json(false);
      return Invalid(field, "must be a boolean (or \"true\"/\"false\")");
    case engine::ParameterType::kJson:
      return value;
  }
  return value;
}

Result<engine::Hundredths> Percentage(const nlohmann::json& value, const std::string& field, bool exclusive_zero) {
  const char* range = exclusive_zero ? "must be greater than 0 and at most 100" : "must be between 0 and 100";
  if (!value.is_number()) return Invalid(field, std::string(range) + ", got " + engine::JsonTypeName(value));
  const double percent = value.get<double>();
  const auto h = engine::PercentToHundredths(percent);
  if (!h) return Invalid(field, "must have at most two decimals");
  if (*h < 0 || *h > engine::kFullPercentage || (exclusive_zero && *h == 0)) return Invalid(field, range);
  return *h;
}

std::string NewUuid() {
  unsigned char b[16];
  std::random_device rd;  // /dev/urandom on Linux (the OS CSPRNG)
  for (int i = 0; i < 16; i += 4) {
    const unsigned v = rd();
    for (int j = 0; j < 4; ++j) b[i + j] = static_cast<unsigned char>(v >> (8 * j));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

}  // namespace aurora::server
