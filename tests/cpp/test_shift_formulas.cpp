// PyTorch's int64 shifts (core/shift_formulas.h, shared by the CPU and GPU kernels) against
// arithmetic that shifts nothing: value * 2^s modulo 2^64 to the left, floor(value / 2^s) to the
// right, for edge values and every amount in [-130, 130] plus the int64 extremes. The sanitizer
// build runs these too, so a shift C++ leaves undefined would be reported.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "core/shift_formulas.h"

namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

const std::vector<int64_t> kValues = {0, 1, -1, 2, -2, 5, -5, 3037000499, -3037000499, kMin, kMin + 1, kMax, kMax - 1};

std::vector<int64_t> shift_amounts() {
  std::vector<int64_t> amounts = {kMin, kMin + 1, kMax, kMax - 1, int64_t{1} << 32};
  for (int64_t s = -130; s <= 130; ++s) amounts.push_back(s);
  return amounts;
}

// value * 2^amount modulo 2^64 (unsigned arithmetic wraps), 0 outside [0, 64) as in PyTorch.
int64_t expected_left(int64_t value, int64_t amount) {
  if (amount < 0 || amount >= 64) return 0;
  uint64_t power = 1;
  for (int64_t i = 0; i < amount; ++i) power *= 2;
  return static_cast<int64_t>(static_cast<uint64_t>(value) * power);
}

// floor(value / 2^amount), the sign alone (0 or -1) outside [0, 64) as in PyTorch.
int64_t expected_right(int64_t value, int64_t amount) {
  if (amount < 0 || amount >= 64) return value < 0 ? -1 : 0;
  __int128 divisor = 1;
  for (int64_t i = 0; i < amount; ++i) divisor *= 2;
  __int128 quotient = value / divisor;
  if (value % divisor != 0 && value < 0) quotient -= 1;
  return static_cast<int64_t>(quotient);
}

TEST(ShiftFormulas, LeftShiftMatchesMultiplicationModulo2To64) {
  for (int64_t value : kValues) {
    for (int64_t amount : shift_amounts()) {
      EXPECT_EQ(cr::left_shift(value, amount), expected_left(value, amount)) << value << " << " << amount;
    }
  }
}

TEST(ShiftFormulas, RightShiftIsArithmeticFloorDivision) {
  for (int64_t value : kValues) {
    for (int64_t amount : shift_amounts()) {
      EXPECT_EQ(cr::right_shift(value, amount), expected_right(value, amount)) << value << " >> " << amount;
    }
  }
}

TEST(ShiftFormulas, PyTorchsEdgeResults) {
  EXPECT_EQ(cr::left_shift(1, 63), kMin);
  EXPECT_EQ(cr::left_shift(-1, 63), kMin);
  EXPECT_EQ(cr::left_shift(kMax, 1), -2);
  EXPECT_EQ(cr::left_shift(-8, -1), 0);
  EXPECT_EQ(cr::right_shift(-1, 1), -1);
  EXPECT_EQ(cr::right_shift(-5, 1), -3);
  EXPECT_EQ(cr::right_shift(kMin, 63), -1);
  EXPECT_EQ(cr::right_shift(-8, -1), -1);
  EXPECT_EQ(cr::right_shift(8, 64), 0);
}

}  // namespace
