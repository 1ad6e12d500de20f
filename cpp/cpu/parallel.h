// OpenMP helpers: when a loop is large enough to split, and a parallel_for over [begin, end).
// Threads are shared with BLAS through set_num_threads (cpu/threads.cpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace cr::cpu {

// Elements below which threading costs more than it saves. Idle threads sleep (OMP_WAIT_POLICY=PASSIVE,
// set on import: spinning ones made a busy neighbour's machine 3-15x slower), so every parallel region
// first wakes a thread: about 70 us on a 2-vCPU VM. A 2-thread add of 262,144 floats took 96 us
// there against 52 us on one thread (65,536: 82 against 13; 1M: 180 against 238), so a loop splits
// from 2 * kMinChunk elements up.
constexpr int64_t kMinChunk = 262144;

int get_num_threads();
void set_num_threads(int n);

inline bool should_parallelize(int64_t work) {
#ifdef _OPENMP
  return work >= 2 * kMinChunk && get_num_threads() > 1 && !omp_in_parallel();
#else
  (void)work;
  return false;
#endif
}

// fn(chunk_begin, chunk_end) on contiguous chunks of at least `grain` items, one per thread.
template <typename Fn>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const Fn& fn) {
  int64_t n = end - begin;
  if (n <= 0) return;
#ifdef _OPENMP
  int64_t chunks = std::min<int64_t>(get_num_threads(), (n + grain - 1) / std::max<int64_t>(grain, 1));
  if (chunks > 1 && !omp_in_parallel()) {
#pragma omp parallel for num_threads(static_cast<int>(chunks)) schedule(static, 1)
    for (int64_t c = 0; c < chunks; ++c) {
      int64_t b = begin + n * c / chunks, e = begin + n * (c + 1) / chunks;
      fn(b, e);
    }
    return;
  }
#endif
  fn(begin, end);
}

// fn(part) for every part in [0, parts), one OpenMP thread each. An exception thrown in a part
// (a scratch allocation failing) is rethrown here once every thread has joined.
template <typename Fn>
void run_parts(int64_t parts, const Fn& fn) {
  if (parts <= 1) {
    fn(int64_t{0});
    return;
  }
  std::exception_ptr failure;
#pragma omp parallel for num_threads(static_cast<int>(parts)) schedule(static, 1)
  for (int64_t p = 0; p < parts; ++p) {
    try {
      fn(p);
    } catch (...) {
#pragma omp critical(cr_run_parts_failure)
      failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace cr::cpu
