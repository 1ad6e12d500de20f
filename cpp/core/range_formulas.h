// The values of arange and linspace, element i, as both devices compute them (the CPU's loop, the
// GPU's kernel), so that a range is the same wherever it is made.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "core/convert_formula.h"
#include "core/formula.h"

namespace cr {

// arange: start + i * step, in integers when every bound is an integer, else in double (then
// converted as copies convert: into uint8 or int8 through int64).
struct ArangeFormula {
  bool integral;
  int64_t start_i, step_i;
  double start, step;
  template <typename T>
  CR_FORMULA T at(int64_t i) const {
    return integral ? static_cast<T>(start_i + i * step_i) : convert_value<T>(start + static_cast<double>(i) * step);
  }
};

// linspace: filled from both ends, as PyTorch does, so the last value is exactly `end`. float and
// double compute as PyTorch's kernel does, bit for bit: in their own precision, step = (end - start) /
// (steps - 1), then start + step i (or end - step (steps - 1 - i)) as one fused multiply-add (the
// contraction its compiler makes). In double then rounded, 6 of linspace(-1, 1, 28)'s floats were an
// ulp off, and affine_grid's identity grid with them: grid_sample's gradient there sits on the kinks
// of bilinear interpolation and took the other side. Other dtypes compute in double.
struct LinspaceFormula {
  double start, end, step;
  int64_t steps, half;  // half: the first index computed from the end
  template <typename T>
  CR_FORMULA T at(int64_t i) const {
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      const T first = static_cast<T>(start), last = static_cast<T>(end);
      const T stride = steps > 1 ? (last - first) / static_cast<T>(steps - 1) : T(0);
      return i < half ? std::fma(stride, static_cast<T>(i), first) : std::fma(-stride, static_cast<T>(steps - 1 - i), last);
    } else {
      return convert_value<T>(i < half ? start + step * static_cast<double>(i)
                                       : end - step * static_cast<double>(steps - 1 - i));
    }
  }
};

}  // namespace cr
