// One thread count for chainrule's OpenMP loops and for the BLAS library.
#include "cpu/parallel.h"
#include "cpu/blas.h"

namespace cr::cpu {

namespace {
int g_num_threads = 0;  // 0: not set yet, ask OpenMP
}

int get_num_threads() {
  if (g_num_threads > 0) return g_num_threads;
#ifdef _OPENMP
  g_num_threads = omp_get_max_threads();
#else
  g_num_threads = 1;
#endif
  return g_num_threads;
}

void set_num_threads(int n) {
  g_num_threads = std::max(1, n);
#ifdef _OPENMP
  omp_set_num_threads(g_num_threads);
#endif
  blas_set_num_threads(g_num_threads);
}

}  // namespace cr::cpu
