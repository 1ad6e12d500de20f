// The max of one pooling window, as both devices compute it (the CPU's kernel for windows at the
// borders, the GPU's for every window): PyTorch's tie and NaN rules, and the test that keeps a
// saved index inside its plane.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "core/formula.h"

namespace cr {

// The value below every other: -inf for floats, the lowest int64.
template <typename T>
CR_FORMULA T lowest_value() {
  if constexpr (std::is_floating_point_v<T>) return -static_cast<T>(INFINITY);
  else return static_cast<T>(INT64_MIN);
}

// Whether a saved index selects an element of a plane of in_plane elements.
CR_FORMULA bool in_plane_index(int64_t index, int64_t in_plane) {
  return static_cast<uint64_t>(index) < static_cast<uint64_t>(in_plane);
}

// The window of rows r0, r0 + row_step, ... (nr of them) by columns c0, c0 + col_step, ... (nc)
// of plane xp, whose rows are `width` apart: its max and that element's flat index in the plane.
// Ties pick the first maximum in row-major window order; a NaN is always picked (so the last NaN
// wins); an empty window gives the lowest value and the index of its first tap.
template <typename T>
CR_FORMULA void window_max(const T* xp, int64_t width, int64_t r0, int64_t nr, int64_t row_step, int64_t c0,
                           int64_t nc, int64_t col_step, T& best, int64_t& best_at) {
  best = lowest_value<T>();
  best_at = r0 * width + c0;
  for (int64_t a = 0; a < nr; ++a) {
    const int64_t row_at = (r0 + a * row_step) * width;
    for (int64_t c = c0; c < c0 + nc * col_step; c += col_step) {
      const T v = xp[row_at + c];
      const bool take = (v > best) | (v != v);  // branch-free: random data mispredicts; v != v is NaN
      best = take ? v : best;
      best_at = take ? row_at + c : best_at;
    }
  }
}

}  // namespace cr
