// One thread count for chainrule's OpenMP loops; the BLAS library stays on one thread (its
// products are split by chainrule's threads, cpu/gemm.cpp).
#include "cpu/parallel.h"
#include "cpu/blas.h"

#include <atomic>

namespace cr::cpu {

namespace {
// 0: not set yet, ask OpenMP. Atomic: kernels on several Python threads (running without the GIL)
// read it while one of them may set it.
std::atomic<int> g_num_threads{0};

// BLAS on one thread from the moment the library loads, before any product runs.
const bool g_blas_on_one_thread = (blas_use_one_thread(), true);
}

int get_num_threads() {
  if (int n = g_num_threads.load(std::memory_order_relaxed); n > 0) return n;
#ifdef _OPENMP
  const int n = omp_get_max_threads();
#else
  const int n = 1;
#endif
  g_num_threads.store(n, std::memory_order_relaxed);
  return n;
}

void set_num_threads(int n) {
  n = std::max(1, n);
  g_num_threads.store(n, std::memory_order_relaxed);
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
}

}  // namespace cr::cpu
