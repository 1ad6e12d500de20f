// In-place random fills (uniform_, normal_): range, moments, strided destinations, seeding and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/random.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/random_fill.h"
#include "ops/view.h"

using namespace cr;

namespace {

std::vector<double> values(const Tensor& t) {
  Tensor c = contiguous(to_dtype(t, DType::Float64));
  return std::vector<double>(c->data<double>(), c->data<double>() + c->numel());
}

void moments(const std::vector<double>& v, double* mean, double* std) {
  double sum = 0, sq = 0;
  for (double x : v) sum += x;
  *mean = sum / static_cast<double>(v.size());
  for (double x : v) sq += (x - *mean) * (x - *mean);
  *std = std::sqrt(sq / static_cast<double>(v.size()));
}

}  // namespace

TEST(RandomFill, UniformStaysInRangeWithUniformMoments) {
  Tensor t = zeros({200, 100}, DType::Float32, kCpu);
  uniform_(t, -1.0, 3.0);
  std::vector<double> v = values(t);
  for (double x : v) ASSERT_TRUE(x >= -1.0 && x < 3.0);
  double mean, std;
  moments(v, &mean, &std);
  EXPECT_NEAR(mean, 1.0, 0.05);
  EXPECT_NEAR(std, 4.0 / std::sqrt(12.0), 0.05);
}

TEST(RandomFill, NormalMoments) {
  Tensor t = zeros({400, 100}, DType::Float64, kCpu);
  normal_(t, 2.0, 0.5);
  double mean, std;
  moments(values(t), &mean, &std);
  EXPECT_NEAR(mean, 2.0, 0.01);
  EXPECT_NEAR(std, 0.5, 0.01);
}

TEST(RandomFill, WritesOnlyTheStridedView) {
  Tensor t = zeros({4, 6}, DType::Float32, kCpu);
  Tensor every_other_column = slice(t, 1, 0, 6, 2);  // (4, 3) with stride 2
  uniform_(every_other_column, 5.0, 6.0);
  std::vector<double> v = values(t);
  for (int64_t i = 0; i < 24; ++i) {
    if (i % 2 == 0) EXPECT_GE(v[i], 5.0);
    else EXPECT_EQ(v[i], 0.0);
  }
}

TEST(RandomFill, SeededAndEmpty) {
  Generator::global().manual_seed(3);
  Tensor a = zeros({5}, DType::Float32, kCpu);
  normal_(a, 0.0, 1.0);
  Generator::global().manual_seed(3);
  Tensor b = zeros({5}, DType::Float32, kCpu);
  normal_(b, 0.0, 1.0);
  EXPECT_EQ(values(a), values(b));
  Tensor empty = zeros({0, 3}, DType::Float32, kCpu);
  uniform_(empty, 0.0, 1.0);
  EXPECT_EQ(empty->numel(), 0);
}

TEST(RandomFill, RejectsBadArguments) {
  EXPECT_THROW(uniform_(zeros({2}, DType::Int64, kCpu), 0.0, 1.0), TypeError);
  EXPECT_THROW(uniform_(zeros({2}, DType::Float32, kCpu), 1.0, 0.0), ValueError);
  EXPECT_THROW(normal_(zeros({2}, DType::Float32, kCpu), 0.0, -1.0), ValueError);
}
