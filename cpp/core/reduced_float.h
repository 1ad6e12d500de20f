// The two 16-bit floats, float16 (IEEE half) and bfloat16 (float32's top half), as storage types:
// a tensor holds their 2-byte values, and every op computes in float32 and rounds its result once
// (ops/float32_staging.h), as PyTorch's CPU kernels do with their float32 "opmath" type. Here are
// only the types and their exact conversions to and from float32, for the CPU's and the GPU's copy
// kernels alike: round to nearest even, overflow to infinity, NaN kept (PyTorch's rules).
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/formula.h"

namespace cr {

// No arithmetic and no conversions but these functions: kernels never compute in these types.
struct Half {
  uint16_t bits;
};
struct BFloat16 {
  uint16_t bits;
};

CR_FORMULA uint32_t float_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}
CR_FORMULA float float_from_bits(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

// Half <-> float32 by float32 arithmetic on the bits (Maratyszcza's FP16 method, as c10's
// fp16_ieee_to_fp32_value / fp16_ieee_from_fp32_value). Contiguous runs on the CPU take F16C's vector
// instructions instead (cpu/reduced_float_copy.h), which give the same bits. Widening is exact; narrowing rounds to nearest even, and a NaN keeps its sign and
// top payload bits, quieted, as x86's F16C conversion (PyTorch's CPU kernels) gives.
CR_FORMULA float half_bits_to_float(uint16_t bits) {
  const uint32_t w = uint32_t{bits} << 16;
  const uint32_t sign = w & 0x80000000u;
  const uint32_t two_w = w + w;
  const float normalized = float_from_bits((two_w >> 4) + (0xE0u << 23)) * 0x1.0p-112f;
  const float denormalized = float_from_bits((two_w >> 17) | (126u << 23)) - 0.5f;
  const uint32_t magnitude = two_w < (1u << 27) ? float_bits(denormalized) : float_bits(normalized);
  return float_from_bits(sign | magnitude);
}

CR_FORMULA uint16_t float_to_half_bits(float f) {
  float base = ((f < 0.0f ? -f : f) * 0x1.0p+112f) * 0x1.0p-110f;
  const uint32_t w = float_bits(f);
  const uint32_t shl1_w = w + w;
  const uint32_t sign = w & 0x80000000u;
  uint32_t bias = shl1_w & 0xFF000000u;
  if (bias < 0x71000000u) bias = 0x71000000u;
  base = float_from_bits((bias >> 1) + 0x07800000u) + base;
  const uint32_t bits = float_bits(base);
  const uint32_t nonsign = ((bits >> 13) & 0x00007C00u) + (bits & 0x00000FFFu);
  const uint32_t nan = 0x7E00u | ((w >> 13) & 0x03FFu);
  return static_cast<uint16_t>((sign >> 16) | (shl1_w > 0xFF000000u ? nan : nonsign));
}

CR_FORMULA float to_float(Half h) { return half_bits_to_float(h.bits); }
CR_FORMULA Half to_half(float f) { return Half{float_to_half_bits(f)}; }

CR_FORMULA float to_float(BFloat16 b) { return float_from_bits(uint32_t{b.bits} << 16); }

// float32 -> bfloat16: the top 16 bits, rounded to nearest even; NaN becomes the quiet NaN 0x7FC0.
CR_FORMULA BFloat16 to_bfloat16(float f) {
  if (f != f) return BFloat16{0x7FC0};
  const uint32_t u = float_bits(f);
  return BFloat16{static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16)};
}

template <typename T>
constexpr bool is_reduced_float_type = false;
template <>
inline constexpr bool is_reduced_float_type<Half> = true;
template <>
inline constexpr bool is_reduced_float_type<BFloat16> = true;

// How the elementwise rows (cpu/elementwise.h) read and write an element: the computing types as they
// are, the 16-bit floats widened to float32 on the way in and rounded once on the way out, so a
// 16-bit op runs in one pass over its operands with float32 formulas.
template <typename S>
CR_FORMULA S loaded(S v) { return v; }
CR_FORMULA float loaded(Half h) { return to_float(h); }
CR_FORMULA float loaded(BFloat16 b) { return to_float(b); }

template <typename S, typename V>
CR_FORMULA S stored(V v) {
  if constexpr (std::is_same_v<S, V>) return v;
  else if constexpr (is_reduced_float_type<V>) return stored<S>(to_float(v));  // exact
  else if constexpr (std::is_same_v<S, Half>) return to_half(static_cast<float>(v));
  else if constexpr (std::is_same_v<S, BFloat16>) return to_bfloat16(static_cast<float>(v));
  else return static_cast<S>(v);
}

}  // namespace cr
