// gemm (BLAS) against gemm_reference for every transpose combination, odd sizes, padded leading
// dimensions, alpha/beta, K = 0 and products split across threads; the batched driver against per-matrix reference products.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/error.h"
#include "cpu/gemm.h"

using namespace cr;

namespace {

template <typename T>
std::vector<T> random_values(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(dist(gen));
  return v;
}

struct GemmCase {
  int64_t m, n, k;
  int64_t pad;  // extra elements at the end of every stored row
};

template <typename T>
void expect_gemm_matches_reference(const GemmCase& c, bool trans_a, bool trans_b, T alpha, T beta, double tol) {
  // Stored shapes: A is (M, K) or (K, M) when transposed; B is (K, N) or (N, K).
  const int64_t a_rows = trans_a ? c.k : c.m, a_cols = trans_a ? c.m : c.k;
  const int64_t b_rows = trans_b ? c.n : c.k, b_cols = trans_b ? c.k : c.n;
  const int64_t lda = std::max<int64_t>(1, a_cols) + c.pad, ldb = std::max<int64_t>(1, b_cols) + c.pad;
  const int64_t ldc = std::max<int64_t>(1, c.n) + c.pad;
  auto a = random_values<T>(a_rows * lda, 1), b = random_values<T>(b_rows * ldb, 2);
  auto c_blas = random_values<T>(std::max<int64_t>(1, c.m) * ldc, 3);
  auto c_ref = c_blas;
  cpu::gemm(trans_a, trans_b, c.m, c.n, c.k, alpha, a.data(), lda, b.data(), ldb, beta, c_blas.data(), ldc);
  cpu::gemm_reference<T>(trans_a, trans_b, c.m, c.n, c.k, alpha, a.data(), lda, b.data(), ldb, beta, c_ref.data(), ldc);
  for (size_t i = 0; i < c_ref.size(); ++i) {
    ASSERT_NEAR(c_blas[i], c_ref[i], tol * (1 + std::abs(c_ref[i])))
        << "M=" << c.m << " N=" << c.n << " K=" << c.k << " pad=" << c.pad << " trans_a=" << trans_a
        << " trans_b=" << trans_b << " at " << i;
  }
}

// The last three are large enough for gemm to split C across threads (by rows, by columns, and
// with a length that is not a multiple of the block alignment).
const GemmCase kCases[] = {{1, 1, 1, 0},      {7, 5, 3, 0},      {13, 17, 19, 3},  {64, 1, 33, 2},
                           {1, 65, 31, 1},    {37, 29, 1, 5},    {100, 70, 90, 7}, {4, 6, 0, 2},
                           {211, 77, 100, 3}, {33, 301, 120, 1}, {130, 129, 70, 0}};

}  // namespace

TEST(Gemm, FloatMatchesReferenceForAllTransposes) {
  for (const auto& c : kCases)
    for (bool ta : {false, true})
      for (bool tb : {false, true}) expect_gemm_matches_reference<float>(c, ta, tb, 1.0f, 0.0f, 1e-4);
}

TEST(Gemm, DoubleMatchesReferenceWithAlphaBeta) {
  for (const auto& c : kCases)
    for (bool ta : {false, true})
      for (bool tb : {false, true}) expect_gemm_matches_reference<double>(c, ta, tb, 0.5, -1.25, 1e-12);
}

TEST(Gemm, BetaZeroIgnoresNaNInC) {
  std::vector<float> a = {1, 2, 3, 4}, b = {1, 0, 0, 1}, c(4, std::nanf(""));
  cpu::gemm(false, false, 2, 2, 2, 1.0f, a.data(), 2, b.data(), 2, 0.0f, c.data(), 2);
  EXPECT_EQ(c, (std::vector<float>{1, 2, 3, 4}));
  std::fill(c.begin(), c.end(), std::nanf(""));
  cpu::gemm(false, false, 2, 2, 0, 1.0f, a.data(), 1, b.data(), 2, 0.0f, c.data(), 2);  // K = 0: zeros
  EXPECT_EQ(c, (std::vector<float>(4, 0.0f)));
}

TEST(Gemm, RejectsBadLeadingDimensionsAndHugeSizes) {
  std::vector<float> a(16), b(16), c(16);
  EXPECT_THROW(cpu::gemm(false, false, 2, 2, 4, 1.0f, a.data(), 3, b.data(), 2, 0.0f, c.data(), 2), ValueError);
  EXPECT_THROW(cpu::gemm(false, false, 2, 2, 2, 1.0f, a.data(), 2, b.data(), 2, 0.0f, c.data(), 1), ValueError);
  EXPECT_THROW(cpu::gemm(false, false, int64_t{1} << 32, 1, 1, 1.0f, a.data(), 1, b.data(), 1, 0.0f, c.data(), 1),
               ValueError);
}

TEST(Gemm, ReferenceHandlesInt64) {
  std::vector<int64_t> a = {1, 2, 3, 4, 5, 6}, b = {1, 2, 3, 4, 5, 6}, c(4);  // (2, 3) @ (3, 2)
  cpu::gemm_reference<int64_t>(false, false, 2, 2, 3, 1, a.data(), 3, b.data(), 2, 0, c.data(), 2);
  EXPECT_EQ(c, (std::vector<int64_t>{22, 28, 49, 64}));
  cpu::gemm_reference<int64_t>(true, true, 2, 2, 3, 1, a.data(), 2, b.data(), 3, 0, c.data(), 2);  // A^T B^T
  EXPECT_EQ(c, (std::vector<int64_t>{22, 49, 28, 64}));
}

// `count` products (M, K) @ (K, N): A's matrices in shuffled order, B shared (offset 0), so the
// driver must follow the offsets rather than assume a uniform stride.
void expect_batched_matches_reference(int64_t count, int64_t m, int64_t n, int64_t k) {
  auto a = random_values<double>(count * m * k, 4), b = random_values<double>(k * n, 5);
  std::vector<int64_t> a_offsets(count), b_offsets(count, 0);
  for (int64_t i = 0; i < count; ++i) a_offsets[i] = ((i * 7 + 3) % count) * m * k;  // a permutation: 7 is coprime to each count used
  std::vector<double> c(count * m * n), want(m * n);
  cpu::gemm_batched<double>(count, m, n, k, {a.data(), a_offsets.data(), false, k},
                            {b.data(), b_offsets.data(), false, n}, c.data());
  for (int64_t i = 0; i < count; ++i) {
    cpu::gemm_reference<double>(false, false, m, n, k, 1, a.data() + a_offsets[i], k, b.data(), n, 0, want.data(), n);
    for (int64_t j = 0; j < m * n; ++j) ASSERT_NEAR(c[i * m * n + j], want[j], 1e-12) << "matrix " << i;
  }
}

TEST(Gemm, BatchedMatchesPerMatrixProducts) {
  expect_batched_matches_reference(6, 5, 3, 4);      // tiny: one thread, in turn
  expect_batched_matches_reference(64, 16, 16, 16);  // many small: in turn
  expect_batched_matches_reference(4, 70, 65, 80);   // mid-sized, even shares: split across threads
  expect_batched_matches_reference(3, 70, 65, 80);   // uneven shares: in turn, BLAS threads each
}
