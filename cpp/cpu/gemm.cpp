// The BLAS calls behind gemm and the batched driver (see gemm.h for the contracts).
#include "cpu/gemm.h"

#include <algorithm>

#include "core/error.h"
#include "cpu/blas.h"
#include "cpu/parallel.h"

namespace cr::cpu {

namespace {

// Every argument BLAS receives must fit its 32-bit int, and each leading dimension must cover a
// stored row (BLAS would otherwise report through xerbla and leave C unwritten).
void check_gemm_args(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, int64_t lda, int64_t ldb,
                     int64_t ldc) {
  for (int64_t v : {m, n, k, lda, ldb, ldc}) {
    CR_CHECK(v <= kMaxBlasInt, ValueError, "gemm: M=", m, ", N=", n, ", K=", k, ", lda=", lda, ", ldb=", ldb,
             ", ldc=", ldc, " exceed the 32-bit BLAS index limit ", kMaxBlasInt);
  }
  int64_t a_cols = trans_a ? m : k, b_cols = trans_b ? k : n;
  CR_CHECK(m >= 0 && n >= 0 && k >= 0 && lda >= std::max<int64_t>(1, a_cols) && ldb >= std::max<int64_t>(1, b_cols) &&
               ldc >= std::max<int64_t>(1, n),
           ValueError, "gemm: invalid arguments M=", m, ", N=", n, ", K=", k, ", lda=", lda, ", ldb=", ldb, ", ldc=", ldc);
}

CBLAS_TRANSPOSE blas_trans(bool t) { return t ? CblasTrans : CblasNoTrans; }

template <typename T, typename BlasGemm>
void blas_gemm(BlasGemm blas, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
               int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  check_gemm_args(trans_a, trans_b, m, n, k, lda, ldb, ldc);
  if (m == 0 || n == 0) return;
  if (k == 0) {  // C = beta * C: BLAS may skip this, and beta == 0 must also clear NaNs
    gemm_reference<T>(false, false, m, n, 0, alpha, a, 1, b, 1, beta, c, ldc);
    return;
  }
  blas(CblasRowMajor, blas_trans(trans_a), blas_trans(trans_b), static_cast<int>(m), static_cast<int>(n),
       static_cast<int>(k), alpha, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}

// Whether to split a batch across threads, each running whole gemms on one BLAS thread, rather
// than run the gemms in turn and let BLAS split each one. Measured on 2 cores: for products of
// 32^3 and below, handing work between threads costs more than the products (7x slower than one
// thread), while 128^3 and up gain, as long as the threads get even shares of the batch.
bool split_batch(int64_t count, int64_t m, int64_t n, int64_t k) {
  constexpr int64_t kMinSplitGemm = 64 * 64 * 64;  // M*N*K
  if (count < 2 || m * n * k < kMinSplitGemm || !should_parallelize(count * m * n * k)) return false;
  const int64_t threads = get_num_threads(), rounds = (count + threads - 1) / threads;
  return count * 5 >= rounds * threads * 4;  // at least 80% of the thread-rounds busy
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  blas_gemm<float>(CR_CBLAS(sgemm), trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
          int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  blas_gemm<double>(CR_CBLAS(dgemm), trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

template <typename T>
void gemm_batched(int64_t count, int64_t m, int64_t n, int64_t k, const BatchOperand<T>& a, const BatchOperand<T>& b,
                  T* c) {
  auto run = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      gemm_any<T>(a.trans, b.trans, m, n, k, T(1), a.data + a.offsets[i], a.ld, b.data + b.offsets[i], b.ld, T(0),
                  c + i * m * n, n);
    }
  };
  if constexpr (std::is_floating_point_v<T>) {  // nothing may throw inside the parallel region
    check_gemm_args(a.trans, b.trans, m, n, k, a.ld, b.ld, n);
  }
  if (split_batch(count, m, n, k)) {
    SingleThreadedBlas one_thread;
    parallel_for(0, count, 1, run);
  } else {
    run(0, count);
  }
}

template void gemm_batched<float>(int64_t, int64_t, int64_t, int64_t, const BatchOperand<float>&,
                                  const BatchOperand<float>&, float*);
template void gemm_batched<double>(int64_t, int64_t, int64_t, int64_t, const BatchOperand<double>&,
                                   const BatchOperand<double>&, double*);
template void gemm_batched<int64_t>(int64_t, int64_t, int64_t, int64_t, const BatchOperand<int64_t>&,
                                    const BatchOperand<int64_t>&, int64_t*);

}  // namespace cr::cpu
