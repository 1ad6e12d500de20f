// The special functions on a GPU: out = f(x) over `shape` (element strides, broadcasting), with the
// CPU's formulas (core/special_formulas.h); float32 or float64 operands of one dtype.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/strided_operand.h"
#include "ops/special.h"

namespace cr::cuda {

void special_kernel(SpecialOp op, int64_t n, DType dtype, const Shape& shape, const StridedOperand& out,
                    const StridedOperand& x);

}  // namespace cr::cuda
