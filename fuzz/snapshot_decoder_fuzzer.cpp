// libFuzzer target: the snapshot loader must refuse or accept any byte string without crashing,
// leaking or tripping a sanitizer; an accepted snapshot must evaluate and re-encode losslessly.
// The snapshot loader's JsonDocument and ParseJson (nlohmann) must agree on every input.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/codec/json.hpp"
#include "engine/codec/snapshot_codec.hpp"
#include "engine/compiled_snapshot.hpp"
#include "engine/evaluator.hpp"

namespace {

// The same value with the same types (nlohmann's == takes 1 for 1.0, and 0.0 for -0.0).
bool Identical(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.type() != b.type() || a.size() != b.size()) return false;
  if (a.is_array()) {
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!Identical(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
      if (i.key() != j.key() || !Identical(*i, *j)) return false;
    }
    return true;
  }
  if (a.is_number_float()) return std::signbit(a.get<double>()) == std::signbit(b.get<double>()) && a == b;
  return a == b;
}

void CompareJsonReaders(std::string_view text) {
  using namespace aurora;
  auto expected = engine::ParseJson(text, 16);
  auto doc = engine::JsonDocument::Parse(text, 16);
  if (expected.has_value() != doc.has_value()) {
    // nlohmann stops at a NUL byte between tokens (it reads "{}\0junk" as "{}"); JsonDocument
    // refuses the stray bytes.
    if (expected && text.find('\0') != std::string_view::npos) return;
    __builtin_trap();
  }
  if (expected && !Identical(*expected, doc->Root().ToJson())) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aurora;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CompareJsonReaders(text);
  auto decoded = engine::DecodeSnapshot(text);
  if (!decoded) return 0;
  auto compiled = engine::CompileSnapshot(*decoded);
  if (!compiled) return 0;

  // Round trip: what we encode, we must read back to the same document.
  const std::string encoded = engine::EncodeSnapshot(*decoded);
  auto again = engine::DecodeSnapshot(encoded);
  if (!again || engine::EncodeSnapshot(*again) != encoded || !engine::CompileSnapshot(*again)) __builtin_trap();

  // Evaluate every parameter for a few attribute shapes, including ones of the wrong types.
  const engine::Timestamp now = *engine::ParseRfc3339("2026-06-01T00:00:00Z");
  Attributes a, b, c;
  for (const auto& attribute : decoded->attributes) {
    a.SetString(attribute.name, "1.2.3");
    b.SetNumber(attribute.name, -0.0);
    c.SetBool(attribute.name, true);
  }
  for (const auto& p : (*compiled)->parameters) {
    for (const Attributes* attrs : {&a, &b, &c}) {
      const Evaluation e = engine::Evaluate(**compiled, p.name, *attrs, now);
      if (e.HasError() || e.value == nullptr) __builtin_trap();
    }
  }
  return 0;
}
