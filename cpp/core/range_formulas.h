// The values of arange and linspace, element i, as both devices compute them (the CPU's loop, the
// GPU's kernel), so that a range is the same wherever it is made.
#pragma once

#include <cstdint>

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

// linspace: filled from both ends, as PyTorch does, so the last value is exactly `end`.
struct LinspaceFormula {
  double start, end, step;
  int64_t steps, half;  // half: the first index computed from the end
  template <typename T>
  CR_FORMULA T at(int64_t i) const {
    return convert_value<T>(i < half ? start + step * static_cast<double>(i)
                                     : end - step * static_cast<double>(steps - 1 - i));
  }
};

}  // namespace cr
