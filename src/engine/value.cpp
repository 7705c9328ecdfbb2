#include "aurora/value.hpp"

#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

namespace aurora {

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.bool_ = b;
  v.json_ = b ? "true" : "false";
  return v;
}

Value Value::Number(double d) {
  Value v;
  v.kind_ = Kind::kNumber;
  v.number_ = d;
  if (std::isfinite(d)) {
    char buf[32];
    v.json_.assign(buf, std::to_chars(buf, buf + sizeof buf, d).ptr);
  }  // a non-finite number has no JSON form: it stays "null", like JSON encoders write it
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.json_ = nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  v.text_ = std::move(s);
  return v;
}

Value Value::Composite(Kind kind, std::string json) {
  Value v;
  v.kind_ = kind;
  v.json_ = std::move(json);
  return v;
}

std::string Value::AsString(std::string fallback) const {
  return kind_ == Kind::kString ? text_ : fallback;
}

std::int64_t Value::AsInt(std::int64_t fallback) const {
  // 2^63 is exactly representable; anything at or above it does not fit.
  if (kind_ != Kind::kNumber || std::trunc(number_) != number_ || number_ < -9223372036854775808.0 ||
      number_ >= 9223372036854775808.0) {
    return fallback;
  }
  return static_cast<std::int64_t>(number_);
}

double Value::AsDouble(double fallback) const { return kind_ == Kind::kNumber ? number_ : fallback; }

bool Value::AsBool(bool fallback) const { return kind_ == Kind::kBool ? bool_ : fallback; }

}  // namespace aurora
