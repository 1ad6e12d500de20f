// The max-pooling kernels declared in cpu/pool.h. Each output row takes its windows one by one
// at the borders (core/pool_formulas.h's window_max, which the GPU runs for every window) and,
// where the windows are whole and evenly spaced, a tap at a time across all of them (vectorized,
// branch-free selects). Planes are split across threads.
#include "cpu/pool.h"

#include <algorithm>

#include "core/dtype.h"  // CR_SMALL_INTEGER_TYPES
#include "core/pool_formulas.h"

namespace cr::cpu {

namespace {

// The max of output j's window in one output row (rows r0, r0 + rows.step, ... nr of them).
template <typename T>
void max_window(const T* xp, T* y, int64_t* idx, int64_t j, int64_t w, int64_t r0, int64_t nr, int64_t row_step,
                const AxisWindows& cols) {
  window_max(xp, w, r0, nr, row_step, cols.first[j], cols.count[j], cols.step, y[j], idx[j]);
}

// The outputs [b, e) of one output row whose windows are whole and cols.stride apart: the same
// taps in the same order as max_window, but each tap across all of them at once (vectorizes).
template <typename T>
void max_uniform_windows(const T* xp, T* y, int64_t* idx, int64_t b, int64_t e, int64_t w, int64_t r0, int64_t nr,
                         int64_t row_step, const AxisWindows& cols) {
  const int64_t n = e - b, s = cols.stride, c0 = cols.first[b];
  T* yb = y + b;
  int64_t* ib = idx + b;
  for (int64_t k = 0; k < n; ++k) yb[k] = lowest_value<T>(), ib[k] = r0 * w + c0 + k * s;
  for (int64_t a = 0; a < nr; ++a) {
    for (int64_t t = 0; t < cols.count[b]; ++t) {
      const int64_t at = (r0 + a * row_step) * w + c0 + t * cols.step;
#pragma omp simd
      for (int64_t k = 0; k < n; ++k) {
        const T v = xp[at + k * s];
        const bool take = (v > yb[k]) | (v != v);  // v != v: NaN, as in window_max
        yb[k] = take ? v : yb[k];
        ib[k] = take ? at + k * s : ib[k];
      }
    }
  }
}

}  // namespace

template <typename T>
void max_pool(const T* x, const PlaneShape& s, const AxisWindows& rows, const AxisWindows& cols, T* y, int64_t* idx) {
  const int64_t h = s.height, w = s.width;
  const int64_t ho = static_cast<int64_t>(rows.first.size()), wo = static_cast<int64_t>(cols.first.size());
  const int64_t ub = cols.uniform_begin, ue = cols.uniform_end;
  for_planes(s.planes, h * w + ho * wo, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      const T* xp = x + p * h * w;
      for (int64_t i = 0; i < ho; ++i) {
        T* yr = y + (p * ho + i) * wo;
        int64_t* ir = idx + (p * ho + i) * wo;
        const int64_t r0 = rows.first[i], nr = rows.count[i];
        for (int64_t j = 0; j < ub; ++j) max_window(xp, yr, ir, j, w, r0, nr, rows.step, cols);
        if (ue > ub) max_uniform_windows(xp, yr, ir, ub, ue, w, r0, nr, rows.step, cols);
        for (int64_t j = std::max(ub, ue); j < wo; ++j) max_window(xp, yr, ir, j, w, r0, nr, rows.step, cols);
      }
    }
  });
}

template <typename T>
void max_pool_backward(const T* g, const int64_t* idx, const PooledPlanes& s, T* gx) {
  for_planes(s.planes, s.in_plane + s.out_plane, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      for (int64_t o = p * s.out_plane; o < (p + 1) * s.out_plane; ++o) {
        if (in_plane_index(idx[o], s.in_plane)) gx[p * s.in_plane + idx[o]] += g[o];
      }
    }
  });
}

template <typename T>
void max_pool_gather(const T* x, const int64_t* idx, const PooledPlanes& s, T* y) {
  for_planes(s.planes, s.out_plane, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      for (int64_t o = p * s.out_plane; o < (p + 1) * s.out_plane; ++o) {
        y[o] = in_plane_index(idx[o], s.in_plane) ? x[p * s.in_plane + idx[o]] : T(0);
      }
    }
  });
}

#define CR_MAX_POOL_INSTANTIATE(T) \
  template void max_pool<T>(const T*, const PlaneShape&, const AxisWindows&, const AxisWindows&, T*, int64_t*);
CR_MAX_POOL_INSTANTIATE(float)
CR_MAX_POOL_INSTANTIATE(double)
CR_MAX_POOL_INSTANTIATE(int64_t)
CR_SMALL_INTEGER_TYPES(CR_MAX_POOL_INSTANTIATE)
#undef CR_MAX_POOL_INSTANTIATE
#define CR_POOL_BACKWARD_INSTANTIATE(T)                                                  \
  template void max_pool_backward<T>(const T*, const int64_t*, const PooledPlanes&, T*); \
  template void max_pool_gather<T>(const T*, const int64_t*, const PooledPlanes&, T*);
CR_POOL_BACKWARD_INSTANTIATE(float)
CR_POOL_BACKWARD_INSTANTIATE(double)
#undef CR_POOL_BACKWARD_INSTANTIATE

}  // namespace cr::cpu
