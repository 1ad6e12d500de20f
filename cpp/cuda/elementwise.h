// The elementwise kernels on a GPU: out = op(a), op(a, b), where(cond, a, b) over `shape`, every
// operand seen at `shape` through its element strides (0 on broadcast dims). The inputs are
// already in `compute`, the dtype the formula runs in (ops/unary.cpp and ops/binary.cpp cast
// first, as for the CPU); out holds the op's output dtype (bool for comparisons and logical ops).
// The formulas follow the CPU's (ops/unary.cpp, ops/binary.cpp), NaN rules included.
#pragma once

#include "core/strided_operand.h"
#include "ops/elementwise.h"

namespace cr::cuda {

void unary_kernel(UnaryOp op, const Shape& shape, const StridedOperand& out, const StridedOperand& a, DType compute);
void binary_kernel(BinaryOp op, const Shape& shape, const StridedOperand& out, const StridedOperand& a,
                   const StridedOperand& b, DType compute);
void where_kernel(const Shape& shape, const StridedOperand& out, const StridedOperand& cond, const StridedOperand& a,
                  const StridedOperand& b, DType dtype);

}  // namespace cr::cuda
