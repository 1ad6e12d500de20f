// The BLAS calls behind gemm and the batched driver (see gemm.h for the contracts).
#include "cpu/gemm.h"

#include <algorithm>
#include <limits>

#include "core/dtype.h"  // CR_SMALL_INTEGER_TYPES
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

// How many threads share one product. BLAS itself always runs on one thread, so that chainrule has
// one thread pool: BLAS's own pool spin-waits between calls and, with another process on a core,
// made small products wait for a descheduled partner (a 20x slowdown of an MLP step under load).
// Below kMinThreadedGemm multiply-adds (about 0.4 ms on one core, several times the wake-up of a
// sleeping thread: cpu/parallel.h) a product stays on one thread; inside a parallel region (a batch
// of products split across threads) it is never split again.
constexpr int64_t kMinThreadedGemm = 1 << 23;
constexpr int64_t kBlockAlign = 16;  // rows or columns per block: whole micro-kernel tiles

int64_t gemm_parts(int64_t m, int64_t n, int64_t k) {
  const double work = double(m) * double(n) * double(k);
  if (work < kMinThreadedGemm || !should_parallelize(std::numeric_limits<int64_t>::max())) return 1;
  const int64_t blocks = (std::max(m, n) + kBlockAlign - 1) / kBlockAlign;
  return std::min<int64_t>({get_num_threads(), blocks, static_cast<int64_t>(work / (kMinThreadedGemm / 2))});
}

template <typename T, typename BlasGemm>
void blas_gemm(BlasGemm blas, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
               int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  check_gemm_args(trans_a, trans_b, m, n, k, lda, ldb, ldc);
  if (m == 0 || n == 0) return;
  if (k == 0) {  // C = beta * C: BLAS may skip this, and beta == 0 must also clear NaNs
    gemm_reference<T>(false, false, m, n, 0, alpha, a, 1, b, 1, beta, c, ldc);
    return;
  }
  auto product = [&](int64_t rows, int64_t cols, const T* a_part, const T* b_part, T* c_part) {
    blas(CblasRowMajor, blas_trans(trans_a), blas_trans(trans_b), static_cast<int>(rows), static_cast<int>(cols),
         static_cast<int>(k), alpha, a_part, static_cast<int>(lda), b_part, static_cast<int>(ldb), beta, c_part,
         static_cast<int>(ldc));
  };
  const int64_t parts = gemm_parts(m, n, k);
  if (parts == 1) return product(m, n, a, b, c);
  // BLAS runs on one thread (cpu/threads.cpp): chainrule's threads take a block of C's rows or
  // columns each, whichever side is longer, in blocks that are whole multiples of kBlockAlign.
  const bool by_rows = m >= n;
  const int64_t blocks = ((by_rows ? m : n) + kBlockAlign - 1) / kBlockAlign;
  run_parts(parts, [&](int64_t p) {
    const int64_t begin = std::min(blocks * p / parts * kBlockAlign, by_rows ? m : n);
    const int64_t end = std::min(blocks * (p + 1) / parts * kBlockAlign, by_rows ? m : n);
    if (end <= begin) return;
    if (by_rows) {
      product(end - begin, n, a + (trans_a ? begin : begin * lda), b, c + begin * ldc);
    } else {
      product(m, end - begin, a, b + (trans_b ? begin * ldb : begin), c + begin);
    }
  });
}

// Whether to split a batch across threads, each running whole gemms, rather than run the gemms
// in turn and split each one. Measured on 2 cores: for products of
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
    parallel_for(0, count, 1, run);
  } else {
    run(0, count);
  }
}

#define CR_GEMM_INSTANTIATE(T)                                                                      \
  template void gemm_batched<T>(int64_t, int64_t, int64_t, int64_t, const BatchOperand<T>&, const BatchOperand<T>&, \
                                T*);
CR_GEMM_INSTANTIATE(float)
CR_GEMM_INSTANTIATE(double)
CR_GEMM_INSTANTIATE(int64_t)
CR_SMALL_INTEGER_TYPES(CR_GEMM_INSTANTIATE)
#undef CR_GEMM_INSTANTIATE

}  // namespace cr::cpu
