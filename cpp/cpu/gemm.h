// Row-major matrix multiply: the BLAS-backed gemm (float, double), a naive reference gemm (any
// numeric type; int64 runs on it since BLAS has no integer gemm) and a batched driver that runs
// many gemms of one shape. Strides and leading dimensions are in elements.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

namespace cr::cpu {

// BLAS indexes with 32-bit ints (scipy-openblas32).
constexpr int64_t kMaxBlasInt = std::numeric_limits<int32_t>::max();

// C(M,N) = alpha * op(A)(M,K) @ op(B)(K,N) + beta * C, all row-major. op(X) is X, or X^T when
// trans_x (then X is stored as (K,M) / (N,K)). lda/ldb/ldc are the row strides of A, B, C as
// stored. beta == 0 ignores C's old values (NaN included). ValueError when an argument does not
// fit BLAS's 32-bit ints or a leading dimension is too small.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
          int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc);

// The same contract with plain loops (no size limits): the oracle in tests, and int64's gemm.
template <typename T>
void gemm_reference(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
                    const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    T* c_row = c + i * ldc;  // (N,)
    for (int64_t j = 0; j < n; ++j) c_row[j] = beta == T(0) ? T(0) : beta * c_row[j];
    for (int64_t p = 0; p < k; ++p) {
      T a_ip = alpha * (trans_a ? a[p * lda + i] : a[i * lda + p]);
      for (int64_t j = 0; j < n; ++j) c_row[j] += a_ip * (trans_b ? b[j * ldb + p] : b[p * ldb + j]);
    }
  }
}

// gemm for float/double, gemm_reference for the rest.
template <typename T>
void gemm_any(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
              const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    gemm_reference(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

// One operand of a batch: matrix i starts at data + offsets[i]; every matrix is read with the
// same trans flag and leading dimension.
template <typename T>
struct BatchOperand {
  const T* data;
  const int64_t* offsets;  // (count,)
  bool trans;
  int64_t ld;
};

// C_i(M,N) = op(A_i) @ op(B_i) for i < count, C contiguous (count, M, N). A batch of mid-sized or
// large products that divides evenly among the threads is split across them (BLAS on one thread
// each); otherwise the products run in turn (BLAS threads the large ones itself).
template <typename T>
void gemm_batched(int64_t count, int64_t m, int64_t n, int64_t k, const BatchOperand<T>& a, const BatchOperand<T>& b,
                  T* c);

}  // namespace cr::cpu
