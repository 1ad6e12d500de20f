// Reduction kernels and ops: layouts (rows, columns, strided, split across threads), float32 sum
// accuracy, NaN and first-occurrence rules of max/argmax, softmax, and the errors on bad dims.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "cpu/reduce.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/reduce.h"
#include "ops/softmax.h"
#include "ops/view.h"
#include "test_support.h"

using namespace cr;
using cr::test::values_of;

namespace {

// Column sums of a (rows, cols) matrix held as doubles, the slow obvious way.
std::vector<double> naive_column_sums(const std::vector<double>& v, int64_t rows, int64_t cols) {
  std::vector<double> out(cols, 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) out[c] += v[r * cols + c];
  }
  return out;
}

// The geometry of reducing a over the dims in mask into out.
cpu::ReduceGeometry geometry(const Tensor& a, const Tensor& out, uint32_t mask) {
  return cpu::make_reduce_geometry({static_cast<int>(a->dim()), a->sizes().data(), a->strides().data(),
                                    out->strides().data(), mask});
}

}  // namespace

TEST(ReduceGeometry, PicksRowsOrColumnsFromTheContiguousDim) {
  Tensor a = zeros({100, 40}, DType::Float32, kCpu);
  Tensor rows_out = zeros({100, 1}, DType::Float32, kCpu), cols_out = zeros({1, 40}, DType::Float32, kCpu);
  cpu::ReduceGeometry rows = geometry(a, rows_out, 0b10);
  EXPECT_FALSE(rows.columns);
  EXPECT_EQ(rows.num_outputs, 100);
  EXPECT_EQ(rows.reduce_size, 40);
  cpu::ReduceGeometry cols = geometry(a, cols_out, 0b01);
  EXPECT_TRUE(cols.columns);
  EXPECT_EQ(cols.red_in[cols.nred - 1], 40);
  // Reducing every dim of a contiguous tensor coalesces into one run.
  cpu::ReduceGeometry whole = geometry(a, zeros({1, 1}, DType::Float32, kCpu), 0b11);
  EXPECT_EQ(whole.nred, 1);
  EXPECT_EQ(whole.red_sizes[0], 4000);
}

TEST(Reduce, SumMatchesNaiveLoopsInEveryLayout) {
  Tensor a = randn({37, 53}, DType::Float64, kCpu);
  std::vector<double> v = values_of(a);
  std::vector<double> cols = naive_column_sums(v, 37, 53);
  std::vector<double> got = values_of(sum(a, std::vector<int64_t>{0}));
  for (int64_t c = 0; c < 53; ++c) EXPECT_NEAR(got[c], cols[c], 1e-12);
  // The transpose reduces the same numbers along its last dim (a strided run per output).
  got = values_of(sum(transpose(a, 0, 1), std::vector<int64_t>{1}));
  for (int64_t c = 0; c < 53; ++c) EXPECT_NEAR(got[c], cols[c], 1e-12);
  double total = 0;
  for (double x : v) total += x;
  EXPECT_NEAR(item(sum(a)).f, total, 1e-11);
  EXPECT_NEAR(item(sum(slice(a, 1, 1, std::nullopt, 3))).f,
              [&] { double s = 0; for (int64_t r = 0; r < 37; ++r) for (int64_t c = 1; c < 53; c += 3) s += v[r * 53 + c]; return s; }(),
              1e-11);
}

TEST(Reduce, LargeFloat32SumIsAccurate) {
  // 2^20 values of 0.1f: a naive float accumulator drifts by ~1e-3 relative; ours stays ~1e-7.
  const int64_t n = 1 << 20;
  Tensor a = full({n}, Scalar(0.1), DType::Float32, kCpu);
  const double exact = static_cast<double>(0.1f) * n;
  EXPECT_NEAR(item(sum(a)).f / exact, 1.0, 1e-6);
  Tensor column = full({n, 2}, Scalar(0.1), DType::Float32, kCpu);  // split across threads, then combined
  for (double s : values_of(sum(column, std::vector<int64_t>{0}))) EXPECT_NEAR(s / exact, 1.0, 1e-6);
  Tensor wide = full({n / 64, 64}, Scalar(0.1), DType::Float32, kCpu);  // column layout, flushed in blocks
  for (double s : values_of(sum(wide, std::vector<int64_t>{0}))) EXPECT_NEAR(s / (exact / 64), 1.0, 1e-6);
}

TEST(Reduce, IntegerAndBoolSumsAreInt64) {
  Tensor b = full({5, 3}, Scalar(true), DType::Bool, kCpu);
  Tensor s = sum(b, std::vector<int64_t>{0});
  EXPECT_EQ(s->dtype(), DType::Int64);
  EXPECT_EQ(item(select(s, 0, 2)).i, 5);
  EXPECT_EQ(item(prod(full({4}, Scalar(int64_t{3}), DType::Int64, kCpu))).i, 81);
  EXPECT_EQ(item(sum(zeros({0, 3}, DType::Float32, kCpu))).f, 0.0);
  EXPECT_EQ(item(prod(zeros({0}, DType::Float32, kCpu))).f, 1.0);
}

TEST(Reduce, EmptyReducedDimGivesTheIdentityInEveryLayout) {
  // (0, 8) and (3, 0, 9) reduced over the empty dim take the column layout (8+ kept columns with
  // stride 1), whose row walker once divided by the size 0; (0, 7) is reduced as strided rows.
  for (Shape shape : {Shape{0, 8}, Shape{0, 17}, Shape{0, 7}, Shape{3, 0, 9}}) {
    const std::vector<int64_t> dim{shape.size() == 3 ? 1 : 0};
    Tensor a = zeros(shape, DType::Float64, kCpu);
    const size_t outputs = shape.size() == 3 ? 27 : static_cast<size_t>(shape[1]);
    EXPECT_EQ(values_of(sum(a, dim)), std::vector<double>(outputs, 0.0));
    EXPECT_EQ(values_of(prod(a, dim)), std::vector<double>(outputs, 1.0));
    EXPECT_EQ(values_of(all(a, dim)), std::vector<double>(outputs, 1.0));
    EXPECT_EQ(values_of(any(a, dim)), std::vector<double>(outputs, 0.0));
    EXPECT_EQ(values_of(sum(zeros(shape, DType::Int64, kCpu), dim)), std::vector<double>(outputs, 0.0));
  }
}

TEST(Reduce, MaxPropagatesNanAndArgmaxTakesTheFirst) {
  Tensor a = zeros({2, 4}, DType::Float32, kCpu);
  float* p = a->data<float>();
  p[1] = 5, p[2] = 5, p[4 + 3] = std::numeric_limits<float>::quiet_NaN(), p[4 + 1] = 7;
  ValuesIndices r = max_dim(a, 1);
  std::vector<double> vals = values_of(r.values), idx = values_of(r.indices);
  EXPECT_EQ(vals[0], 5);
  EXPECT_EQ(idx[0], 1);
  EXPECT_TRUE(std::isnan(vals[1]));
  EXPECT_EQ(idx[1], 3);
  EXPECT_TRUE(std::isnan(item(max_all(a)).f));
  EXPECT_EQ(item(argmax(a)).i, 7);  // the NaN, flattened
  // Columns layout: argmin down each column keeps the first of equal values.
  std::vector<double> first = values_of(argmin(zeros({6, 20}, DType::Float32, kCpu), 0));
  for (double i : first) EXPECT_EQ(i, 0);
}

TEST(Reduce, ArgmaxOfOneLongRowSplitsAcrossThreads) {
  const int64_t n = 1 << 20;
  Tensor a = zeros({n}, DType::Float32, kCpu);
  a->data<float>()[n - 7] = 3;
  a->data<float>()[n - 3] = 3;
  EXPECT_EQ(item(argmax(a)).i, n - 7);
  EXPECT_EQ(item(argmin(a)).i, 0);
}

TEST(Softmax, RowsAndColumnsSumToOne) {
  Tensor a = randn({3, 50, 70}, DType::Float32, kCpu);
  for (int64_t dim : {0, 1, 2}) {
    Tensor s = sum(softmax(a, dim), std::vector<int64_t>{dim});
    for (double v : values_of(s)) EXPECT_NEAR(v, 1.0, 1e-5);
  }
  // Large inputs do not overflow: the max is subtracted first.
  Tensor big = full({4}, Scalar(1000.0), DType::Float32, kCpu);
  for (double v : values_of(softmax(big, 0))) EXPECT_NEAR(v, 0.25, 1e-7);
  for (double v : values_of(log_softmax(big, 0))) EXPECT_NEAR(v, std::log(0.25), 1e-6);
}

TEST(ReduceErrors, BadDimsAndEmptyExtremesNameTheOp) {
  Tensor a = zeros({2, 3}, DType::Float32, kCpu);
  EXPECT_THROW(sum(a, std::vector<int64_t>{2}), IndexError);
  EXPECT_THROW(sum(a, std::vector<int64_t>{1, -1}), RuntimeError);  // a dim twice, as PyTorch
  EXPECT_THROW(max_dim(zeros({0, 3}, DType::Float32, kCpu), 0), IndexError);
  EXPECT_THROW(max_all(zeros({0}, DType::Float32, kCpu)), RuntimeError);
  EXPECT_THROW(mean(zeros({2}, DType::Int64, kCpu)), RuntimeError);
  EXPECT_THROW(softmax(zeros({2}, DType::Int64, kCpu), 0), TypeError);
  try {
    amax(a, std::vector<int64_t>{5});
    FAIL() << "expected IndexError";
  } catch (const IndexError& e) {
    EXPECT_NE(std::string(e.what()).find("amax"), std::string::npos);
  }
}
