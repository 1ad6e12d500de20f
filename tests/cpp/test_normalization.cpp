// Normalization and dropout kernels: batch_norm / layer_norm / group_norm against a naive
// per-group mean and variance (float32 inputs with a large mean, parallel and serial layouts),
// running statistics, dropout masks reproduced by the seed whatever the thread count, and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/random.h"
#include "cpu/parallel.h"
#include "ops/batch_norm.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/dropout.h"
#include "ops/layer_norm.h"
#include "test_support.h"

using namespace cr;
using cr::test::values_of;

namespace {

// x viewed as (outer, groups, inner): each (o, g) slice normalized with its own biased statistics.
std::vector<double> naive_normalize(const std::vector<double>& x, int64_t outer, int64_t groups, int64_t inner,
                                    double eps) {
  std::vector<double> y(x.size());
  for (int64_t g = 0; g < groups; ++g) {
    double mean = 0, var = 0;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) mean += x[(o * groups + g) * inner + i];
    mean /= static_cast<double>(outer * inner);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) var += std::pow(x[(o * groups + g) * inner + i] - mean, 2);
    var /= static_cast<double>(outer * inner);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t at = (o * groups + g) * inner + i;
        y[at] = (x[at] - mean) / std::sqrt(var + eps);
      }
  }
  return y;
}

Tensor offset_randn(const Shape& sizes, double offset) {
  Tensor t = randn(sizes, DType::Float32, kCpu);
  float* p = t->data<float>();
  for (int64_t i = 0; i < t->numel(); ++i) p[i] += static_cast<float>(offset);
  return t;
}

void expect_near_all(const std::vector<double>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], tol) << "at " << i;
}

}  // namespace

TEST(BatchNorm, TrainingMatchesNaiveStatisticsAndUpdatesRunningStats) {
  for (int64_t n : {3, 64}) {  // the larger one splits channels across threads
    Tensor x = offset_randn({n, 5, 16, 16}, 1000.0);  // a large mean: float64 accumulation matters
    Tensor mean = zeros({5}, DType::Float32, kCpu), var = ones({5}, DType::Float32, kCpu);
    Tensor y = batch_norm(x, mean, var, nullptr, nullptr, true, 0.25, 1e-5);
    const std::vector<double> xs = values_of(x);
    expect_near_all(values_of(y), naive_normalize(xs, n, 5, 256, 1e-5), 2e-3);
    const double count = static_cast<double>(n * 256);
    double m0 = 0, v0 = 0;
    for (int64_t b = 0; b < n; ++b)
      for (int64_t i = 0; i < 256; ++i) m0 += xs[(b * 5) * 256 + i];
    m0 /= count;
    for (int64_t b = 0; b < n; ++b)
      for (int64_t i = 0; i < 256; ++i) v0 += std::pow(xs[(b * 5) * 256 + i] - m0, 2);
    EXPECT_NEAR(values_of(mean)[0], 0.25 * m0, 1e-3);
    EXPECT_NEAR(values_of(var)[0], 0.75 + 0.25 * v0 / (count - 1), 1e-4);
  }
}

TEST(BatchNorm, Errors) {
  Tensor x = zeros({4, 3}, DType::Float32, kCpu);
  EXPECT_THROW(batch_norm(x, nullptr, nullptr, ones({4}, DType::Float32, kCpu), nullptr, true, 0.1, 1e-5), ValueError);
  EXPECT_THROW(batch_norm(zeros({1, 3}, DType::Float32, kCpu), nullptr, nullptr, nullptr, nullptr, true, 0.1, 1e-5), ValueError);
  EXPECT_THROW(batch_norm(x, nullptr, nullptr, nullptr, nullptr, false, 0.1, 1e-5), RuntimeError);
  EXPECT_THROW(batch_norm(zeros({4}, DType::Float32, kCpu), nullptr, nullptr, nullptr, nullptr, true, 0.1, 1e-5), ValueError);
}

TEST(LayerNorm, RowsMatchNaive) {
  for (int64_t rows : {3, 300}) {
    Tensor x = offset_randn({rows, 257}, -500.0);
    const Tensor y = layer_norm(x, Shape{257}, nullptr, nullptr, 1e-5);
    expect_near_all(values_of(y), naive_normalize(values_of(x), 1, rows, 257, 1e-5), 2e-3);
  }
  EXPECT_THROW(layer_norm(zeros({2, 4}, DType::Float32, kCpu), Shape{3}, nullptr, nullptr, 1e-5), ValueError);
  EXPECT_THROW(layer_norm(zeros({4}, DType::Float32, kCpu), Shape{2, 4}, nullptr, nullptr, 1e-5), ValueError);
}

TEST(GroupNorm, GroupsMatchNaive) {
  Tensor x = offset_randn({6, 8, 5, 5}, 200.0);
  const Tensor y = group_norm(x, 4, nullptr, nullptr, 1e-5);
  expect_near_all(values_of(y), naive_normalize(values_of(x), 1, 6 * 4, 2 * 25, 1e-5), 2e-3);
  EXPECT_THROW(group_norm(x, 3, nullptr, nullptr, 1e-5), ValueError);
  EXPECT_THROW(group_norm(x, 4, ones({4}, DType::Float32, kCpu), nullptr, 1e-5), ValueError);
}

TEST(Dropout, MaskDependsOnTheSeedOnly) {
  const int threads = cpu::get_num_threads();
  Generator::global().manual_seed(5);
  const std::vector<double> parallel = values_of(bernoulli_mask({200001}, 0.3, 2.0, DType::Float32, kCpu));
  cpu::set_num_threads(1);
  Generator::global().manual_seed(5);
  const std::vector<double> serial = values_of(bernoulli_mask({200001}, 0.3, 2.0, DType::Float32, kCpu));
  cpu::set_num_threads(threads);
  EXPECT_EQ(parallel, serial);
  int64_t zeros_seen = 0;
  for (double v : serial) {
    ASSERT_TRUE(v == 0.0 || v == 2.0);
    zeros_seen += v == 0.0;
  }
  EXPECT_NEAR(static_cast<double>(zeros_seen) / 200001, 0.3, 0.01);
}

TEST(Dropout, Errors) {
  EXPECT_THROW(dropout(zeros({3}, DType::Float32, kCpu), 1.5, true), ValueError);
  EXPECT_THROW(dropout(zeros({3}, DType::Int64, kCpu), 0.5, true), TypeError);
  EXPECT_THROW(feature_dropout(zeros({3}, DType::Float32, kCpu), 0.5, true), ValueError);
}
