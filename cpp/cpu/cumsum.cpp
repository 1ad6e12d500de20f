// The cumsum kernel declared in cpu/cumsum.h: outer blocks split across threads; a single line
// (inner == 1) is a serial running sum (core/cumsum_formula.h), wider blocks add each row to the one
// before, vectorized across the inner elements (the same sums as running_sum in T down each column).
#include "cpu/cumsum.h"

#include <algorithm>

#include "cpu/parallel.h"

namespace cr::cpu {

template <typename T>
void cumsum_in_place(T* data, const CumsumShape& s) {
  const int64_t n = s.n, inner = s.inner;
  const int64_t grain = std::max<int64_t>(1, kMinChunk / std::max<int64_t>(n * inner, 1));
  parallel_for(0, s.outer, grain, [&](int64_t ob, int64_t oe) {
    for (int64_t o = ob; o < oe; ++o) {
      T* base = data + o * n * inner;
      if (inner == 1) {
        running_sum<CumsumAccumulator<T>>(base, n, 1);
        continue;
      }
      for (int64_t r = 1; r < n; ++r) {
        T* row = base + r * inner;
        const T* prev = row - inner;
#pragma omp simd
        for (int64_t j = 0; j < inner; ++j) row[j] += prev[j];
      }
    }
  });
}

template void cumsum_in_place<float>(float*, const CumsumShape&);
template void cumsum_in_place<double>(double*, const CumsumShape&);
template void cumsum_in_place<int64_t>(int64_t*, const CumsumShape&);

}  // namespace cr::cpu
