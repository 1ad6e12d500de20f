// cumsum's layout and line formula on any device: a contiguous tensor seen as (outer, n, inner)
// around the summed dim, and the running sum of one line of it. The CPU's kernel (cpu/cumsum.cpp)
// and the GPU's (cuda/cumsum.cu) both call running_sum, so both round alike.
#pragma once

#include <cstdint>
#include <type_traits>

#include "core/formula.h"

namespace cr {

// A contiguous tensor split around the scanned dim: (outer, n, inner), n the size of that dim.
struct CumsumShape {
  int64_t outer, n, inner;
};

// The accumulator of a line: float32 lines along the innermost dim (inner == 1) accumulate in
// double, as PyTorch's CPU kernel does; everything else in its own type.
template <typename T>
using CumsumAccumulator = std::conditional_t<std::is_same_v<T, float>, double, T>;

// line[0], line[stride], ... line[(n - 1) * stride] -> each replaced by start plus the sum of those
// up to it, accumulated in Acc and rounded to T at each store.
template <typename Acc, typename T>
CR_FORMULA void running_sum(T* line, int64_t n, int64_t stride, Acc start = Acc(0)) {
  Acc acc = start;
  for (int64_t i = 0; i < n; ++i) line[i * stride] = T(acc += line[i * stride]);
}

}  // namespace cr
