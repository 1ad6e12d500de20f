// One thread count for chainrule's OpenMP loops; the BLAS library stays on one thread (its
// products are split by chainrule's threads, cpu/gemm.cpp). A forked child process starts on one
// thread (see one_thread_after_fork).
#include "cpu/parallel.h"
#include "cpu/blas.h"

#include <pthread.h>

#include <atomic>

namespace cr::cpu {

namespace {
// 0: not set yet, ask OpenMP. Atomic: kernels on several Python threads (running without the GIL)
// read it while one of them may set it.
std::atomic<int> g_num_threads{0};

// BLAS on one thread from the moment the library loads, before any product runs.
const bool g_blas_on_one_thread = (blas_use_one_thread(), true);

// A forked child (multiprocessing's fork, a Hogwild worker) holds only the forking thread: the
// OpenMP threads of a parent that already ran a parallel loop are gone, and GNU OpenMP then hangs at
// the child's first parallel region (PyTorch's CPU build hangs there too). So the child runs
// chainrule's loops on one thread, as PyTorch's DataLoader workers do; set_num_threads raises it at
// the child's own risk.
void one_thread_after_fork() { g_num_threads.store(1, std::memory_order_relaxed); }
const bool g_fork_handler = (pthread_atfork(nullptr, nullptr, &one_thread_after_fork) == 0);
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
