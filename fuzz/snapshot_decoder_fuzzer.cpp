// libFuzzer target: the snapshot loader must refuse or accept any byte string without crashing,
// leaking or tripping a sanitizer; an accepted snapshot must evaluate and re-encode losslessly.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/codec/snapshot_codec.hpp"
#include "engine/compiled_snapshot.hpp"
#include "engine/evaluator.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aurora;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
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
