// The 16-bit float conversions (core/reduced_float.h, shared by the CPU and GPU copy kernels) against
// their definitions, over every bit pattern: widening gives sign * 2^exponent * significand exactly;
// narrowing sends every 16-bit value to itself, each midpoint between neighbours to the even one,
// and anything a hair off a midpoint to the nearer one; overflow gives infinity, NaN stays NaN.
// The vector loops of cpu/reduced_float_copy.h (F16C where the CPU has it) must give the formulas' bits.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/reduced_float.h"
#include "cpu/reduced_float_copy.h"

namespace {

// IEEE half's value from its fields, in double arithmetic.
double half_by_definition(uint16_t bits) {
  const int sign = bits >> 15, exponent = (bits >> 10) & 0x1F, mantissa = bits & 0x3FF;
  double magnitude;
  if (exponent == 0x1F) {
    magnitude = mantissa ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  } else if (exponent == 0) {
    magnitude = std::ldexp(mantissa, -24);  // subnormal
  } else {
    magnitude = std::ldexp(1024 + mantissa, exponent - 25);
  }
  return sign ? -magnitude : magnitude;
}

template <typename T>
float widen(uint16_t bits) {
  return cr::to_float(T{bits});
}

template <typename T>
uint16_t narrow(float f) {
  if constexpr (std::is_same_v<T, cr::Half>) return cr::to_half(f).bits;
  else return cr::to_bfloat16(f).bits;
}

TEST(ReducedFloat, HalfWidensToItsDefinition) {
  for (uint32_t b = 0; b < 0x10000; ++b) {
    const double expected = half_by_definition(static_cast<uint16_t>(b));
    const float got = widen<cr::Half>(static_cast<uint16_t>(b));
    if (std::isnan(expected)) {
      EXPECT_TRUE(std::isnan(got)) << b;
    } else {
      EXPECT_EQ(static_cast<double>(got), expected) << b;
    }
  }
}

TEST(ReducedFloat, VectorLoopsGiveTheFormulasBits) {
  std::vector<cr::Half> halves(0x10000);
  for (uint32_t b = 0; b < 0x10000; ++b) halves[b] = cr::Half{static_cast<uint16_t>(b)};
  std::vector<float> widened(halves.size());
  cr::cpu::half_to_float(halves.data(), widened.data(), static_cast<int64_t>(halves.size()));
  for (uint32_t b = 0; b < 0x10000; ++b) {
    ASSERT_EQ(cr::float_bits(widened[b]), cr::float_bits(widen<cr::Half>(static_cast<uint16_t>(b)))) << b;
  }
  std::vector<float> floats;  // a sweep of float32 bit patterns, NaNs and subnormals included
  for (uint64_t u = 0; u < (uint64_t{1} << 32); u += 4099) floats.push_back(cr::float_from_bits(static_cast<uint32_t>(u)));
  std::vector<cr::Half> narrowed(floats.size());
  cr::cpu::float_to_half(floats.data(), narrowed.data(), static_cast<int64_t>(floats.size()));
  for (size_t i = 0; i < floats.size(); ++i) ASSERT_EQ(narrowed[i].bits, narrow<cr::Half>(floats[i])) << i;
}

TEST(ReducedFloat, BFloat16WidensToTheTopHalfOfAFloat32) {
  for (uint32_t b = 0; b < 0x10000; ++b) EXPECT_EQ(cr::float_bits(widen<cr::BFloat16>(static_cast<uint16_t>(b))), b << 16);
}

// Each finite non-negative 16-bit value v and its successor w: v narrows to v, their midpoint to
// whichever has an even last bit, and the float32 neighbours of the midpoint to the nearer of v, w.
template <typename T>
void check_rounding(uint16_t largest_finite) {
  for (uint16_t b = 0; b < largest_finite; ++b) {
    const float v = widen<T>(b), w = widen<T>(static_cast<uint16_t>(b + 1));
    ASSERT_EQ(narrow<T>(v), b);
    ASSERT_EQ(narrow<T>(-v), b | 0x8000);
    const float mid = static_cast<float>((static_cast<double>(v) + w) / 2);
    ASSERT_EQ(static_cast<double>(mid), (static_cast<double>(v) + w) / 2) << "midpoint not exact at " << b;
    ASSERT_EQ(narrow<T>(mid), (b & 1) ? b + 1 : b) << b;
    ASSERT_EQ(narrow<T>(std::nextafter(mid, 0.0f)), b) << b;
    ASSERT_EQ(narrow<T>(std::nextafter(mid, INFINITY)), b + 1) << b;
  }
}

TEST(ReducedFloat, HalfRoundsToNearestEven) { check_rounding<cr::Half>(0x7BFF); }
TEST(ReducedFloat, BFloat16RoundsToNearestEven) { check_rounding<cr::BFloat16>(0x7F7F); }

TEST(ReducedFloat, OverflowInfinityAndNaN) {
  EXPECT_EQ(narrow<cr::Half>(65519.996f), 0x7BFF);  // below the midpoint to 2^16
  EXPECT_EQ(narrow<cr::Half>(65520.0f), 0x7C00);    // the midpoint rounds to even: infinity
  EXPECT_EQ(narrow<cr::Half>(1e30f), 0x7C00);
  EXPECT_EQ(narrow<cr::Half>(-INFINITY), 0xFC00);
  EXPECT_EQ(narrow<cr::BFloat16>(3.4e38f), 0x7F80);
  EXPECT_EQ(narrow<cr::BFloat16>(INFINITY), 0x7F80);
  EXPECT_EQ(narrow<cr::Half>(1e-9f), 0x0000);  // below half the smallest subnormal
  EXPECT_EQ(narrow<cr::Half>(-1e-9f), 0x8000);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(narrow<cr::Half>(nan) & 0x7E00, 0x7E00);
  EXPECT_EQ(narrow<cr::BFloat16>(nan), 0x7FC0);
  EXPECT_TRUE(std::isnan(widen<cr::Half>(narrow<cr::Half>(-nan))));
}

}  // namespace
