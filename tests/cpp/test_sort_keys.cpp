// The GPU sort's keys (core/sort_keys.h): comparing two keys as unsigned integers must give
// PyTorch's sort order of the two values (NaN above +inf and equal to every NaN, -0 equal to +0),
// reversed when descending, for float, double, the integers and bool, over edge values and random pairs.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/sort_keys.h"

namespace {

// PyTorch's order: -1, 0 or 1 as a sorts before, with, or after b ascending.
template <typename T>
int torch_order(T a, T b) {
  const bool a_nan = a != a, b_nan = b != b;
  if (a_nan || b_nan) return a_nan == b_nan ? 0 : (a_nan ? 1 : -1);
  return a < b ? -1 : (b < a ? 1 : 0);
}

template <typename T>
void expect_keys_order_as_values(const std::vector<T>& values) {
  for (T a : values) {
    for (T b : values) {
      const int expected = torch_order(a, b);
      for (bool descending : {false, true}) {
        const auto ka = cr::sort_key(a, descending), kb = cr::sort_key(b, descending);
        const int got = ka < kb ? -1 : (kb < ka ? 1 : 0);
        EXPECT_EQ(got, descending ? -expected : expected) << a << " vs " << b << (descending ? " descending" : "");
      }
    }
  }
}

template <typename T>
std::vector<T> float_edges_and_randoms(unsigned seed) {
  using limits = std::numeric_limits<T>;
  std::vector<T> v{T(0), -T(0), T(1), T(-1), limits::infinity(), -limits::infinity(), limits::quiet_NaN(),
                   -limits::quiet_NaN(), limits::max(), limits::lowest(), limits::min(), -limits::min(),
                   limits::denorm_min(), -limits::denorm_min(), T(1) + limits::epsilon(), T(1) - limits::epsilon()};
  std::mt19937 gen(seed);
  std::normal_distribution<double> normal(0.0, 1e3);
  for (int i = 0; i < 40; ++i) v.push_back(T(normal(gen)));
  v.push_back(v.back());  // a tie
  return v;
}

TEST(SortKeys, FloatKeysOrderAsTorchSorts) { expect_keys_order_as_values(float_edges_and_randoms<float>(1)); }

TEST(SortKeys, DoubleKeysOrderAsTorchSorts) { expect_keys_order_as_values(float_edges_and_randoms<double>(2)); }

// The ends of a signed integer type's range, their neighbours, and random values over all of it.
template <typename T>
std::vector<T> integer_edges_and_randoms(unsigned seed) {
  using limits = std::numeric_limits<T>;
  std::vector<T> v{T(0), T(1), T(-1), limits::max(), limits::min(), T(limits::max() - 1), T(limits::min() + 1), T(42),
                   T(-42)};
  std::mt19937_64 gen(seed);
  for (int i = 0; i < 30; ++i) v.push_back(static_cast<T>(gen()));
  return v;
}

TEST(SortKeys, Int64KeysOrderAsValues) { expect_keys_order_as_values(integer_edges_and_randoms<int64_t>(3)); }

TEST(SortKeys, Int32KeysOrderAsValues) { expect_keys_order_as_values(integer_edges_and_randoms<int32_t>(4)); }

TEST(SortKeys, Int16KeysOrderAsValues) { expect_keys_order_as_values(integer_edges_and_randoms<int16_t>(5)); }

// Every value of the one-byte integers, each against every other.
template <typename T>
std::vector<T> every_byte_value() {
  std::vector<T> v;
  for (int i = std::numeric_limits<T>::lowest(); i <= std::numeric_limits<T>::max(); ++i) v.push_back(static_cast<T>(i));
  return v;
}

TEST(SortKeys, UInt8KeysOrderAsValues) { expect_keys_order_as_values(every_byte_value<uint8_t>()); }

TEST(SortKeys, Int8KeysOrderAsValues) { expect_keys_order_as_values(every_byte_value<int8_t>()); }

TEST(SortKeys, BoolKeysOrderFalseFirst) { expect_keys_order_as_values(std::vector<bool>{false, true, false}); }

}  // namespace
