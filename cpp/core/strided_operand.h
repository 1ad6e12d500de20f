// One operand of an elementwise loop, on any device: its first element, its element size in bytes,
// and its strides (in elements) at the loop's shape, 0 along broadcast dims. The CPU drivers
// (cpu/loops.h) and the CUDA kernels (cuda/copy.h) take operands in this form.
#pragma once

#include <cstdint>

#include "core/shape.h"

namespace cr {

struct StridedOperand {
  char* data;
  int64_t itemsize;
  Shape strides;
};

}  // namespace cr
