// A reduction's shape on any device: the input's sizes and strides, the output's strides (the
// output has the input's dims, size 1 on the reduced ones; its strides there are ignored) and bit d
// of `reduced` set for each reduced dim. The CPU's drivers (cpu/reduce.h) and the GPU's kernels
// (cuda/reduce.h) take it; ops/reduce.cpp builds it.
#pragma once

#include <cstdint>

namespace cr {

struct ReduceLayout {
  int ndim;
  const int64_t *sizes, *in_strides, *out_strides;
  uint32_t reduced;
};

}  // namespace cr
