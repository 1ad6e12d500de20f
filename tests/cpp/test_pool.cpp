// Pooling, padding and resampling kernels: the sparse axis maps and their transposes, max pooling
// indices and values against a naive loop (including planes split across threads), average
// pooling divisors, reflect/circular padding, and errors instead of crashes on bad arguments.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/interpolate.h"
#include "ops/pad.h"
#include "ops/pool.h"
#include "ops/separable.h"
#include "ops/view.h"
#include "test_support.h"

using namespace cr;
using cr::test::values_of;

namespace {

// A (1, 1, h, w) float64 tensor holding 0, 1, 2, ...
Tensor ramp(int64_t h, int64_t w) {
  return reshape(arange(Scalar(0.0), Scalar(static_cast<double>(h * w)), Scalar(1.0), DType::Float64, kCpu), {1, 1, h, w});
}

}  // namespace

TEST(AxisMap, TransposeSwapsInputsAndOutputs) {
  AxisMap m(3);  // outputs: {0: 0.5, 1: 0.5}, {1: 1}, {}
  m.tap(0, 0.5), m.tap(1, 0.5), m.end_output();
  m.tap(1, 1.0), m.end_output();
  m.end_output();
  const AxisMap t = m.transposed();
  EXPECT_EQ(t.in_size, 3);
  EXPECT_EQ(t.out_size, 3);
  EXPECT_EQ(t.start, (std::vector<int64_t>{0, 1, 3, 3}));
  EXPECT_EQ(t.index, (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(t.weight, (std::vector<double>{0.5, 0.5, 1.0}));
}

TEST(MaxPool, PaddedWindowsGiveFlatPlaneIndices) {
  auto [values, indices] = max_pool2d_with_indices(ramp(3, 4), {3, 3}, {2, 2}, {1, 1}, {1, 1}, false);
  EXPECT_EQ(values->sizes(), Shape({1, 1, 2, 2}));
  EXPECT_EQ(values_of(values), (std::vector<double>{5, 7, 9, 11}));
  EXPECT_EQ(values_of(indices), (std::vector<double>{5, 7, 9, 11}));
}

TEST(MaxPool, ManyPlanesAcrossThreadsMatchANaiveLoop) {
  const int64_t planes = 256, h = 17, w = 19;  // enough work to split
  Tensor x = randn({planes, h, w}, DType::Float32, kCpu);
  auto [values, indices] = max_pool2d_with_indices(x, {3, 2}, {2, 2}, {1, 0}, {1, 1}, true);
  const std::vector<double> xv = values_of(x), got = values_of(values), at = values_of(indices);
  const int64_t ho = values->size(1), wo = values->size(2);
  ASSERT_EQ(ho, 9);
  ASSERT_EQ(wo, 10);
  for (int64_t p = 0; p < planes; ++p) {
    for (int64_t i = 0; i < ho; ++i) {
      for (int64_t j = 0; j < wo; ++j) {
        double best = -1e300;
        for (int64_t r = std::max<int64_t>(i * 2 - 1, 0); r < std::min(i * 2 + 2, h); ++r) {
          for (int64_t c = j * 2; c < std::min(j * 2 + 2, w); ++c) best = std::max(best, xv[(p * h + r) * w + c]);
        }
        const int64_t o = (p * ho + i) * wo + j;
        ASSERT_EQ(got[o], best);
        ASSERT_EQ(xv[p * h * w + static_cast<int64_t>(at[o])], best);
      }
    }
  }
}

TEST(AvgPool, DivisorRules) {
  Tensor x = ramp(2, 2);  // 0 1 / 2 3, padded by 1: each 2x2 window holds one input
  EXPECT_EQ(values_of(avg_pool2d(x, {2, 2}, {2, 2}, {1, 1}, false, true, std::nullopt)),
            (std::vector<double>{0, 0.25, 0.5, 0.75}));
  EXPECT_EQ(values_of(avg_pool2d(x, {2, 2}, {2, 2}, {1, 1}, false, false, std::nullopt)),
            (std::vector<double>{0, 1, 2, 3}));
  EXPECT_EQ(values_of(avg_pool2d(x, {2, 2}, {2, 2}, {1, 1}, false, true, 2)), (std::vector<double>{0, 0.5, 1, 1.5}));
}

TEST(Pad, ReflectAndCircular) {
  Tensor x = reshape(arange(Scalar(0.0), Scalar(4.0), Scalar(1.0), DType::Float64, kCpu), {1, 4});
  EXPECT_EQ(values_of(pad(x, {2, 1}, "reflect")), (std::vector<double>{2, 1, 0, 1, 2, 3, 2}));
  EXPECT_EQ(values_of(pad(x, {-1, 2}, "circular")), (std::vector<double>{1, 2, 3, 1, 2}));
  EXPECT_EQ(values_of(pad(x, {1, -2}, "constant", Scalar(9.0))), (std::vector<double>{9, 0, 1}));
}

TEST(Interpolate, BilinearAlignCornersKeepsTheCorners) {
  Tensor y = upsample_linear(ramp(2, 2), {3, 3}, true, std::nullopt);
  EXPECT_EQ(values_of(y), (std::vector<double>{0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3}));
}

TEST(PoolErrors, BadArgumentsThrowInsteadOfCrashing) {
  Tensor x = ramp(4, 4);
  EXPECT_THROW(max_pool2d_with_indices(x, {0, 2}, {}, {0, 0}, {1, 1}, false), RuntimeError);
  EXPECT_THROW(max_pool2d_with_indices(x, {2}, {}, {0}, {1}, false), ValueError);
  EXPECT_THROW(avg_pool2d(x, {2, 2}, {2, 2}, {2, 2}, false, true, std::nullopt), RuntimeError);
  EXPECT_THROW(adaptive_avg_pool2d(reshape(x, {16}), {2, 2}), RuntimeError);
  EXPECT_THROW(pad(x, {4, 0}, "reflect"), RuntimeError);
  EXPECT_THROW(pad(x, {1, 1}, "wrap"), ValueError);
  EXPECT_THROW(upsample_nearest(x, {0, 2}, std::nullopt), RuntimeError);
}
