// The copy kernel on a GPU: dst = src converted to dst's dtype, element by element over `shape`,
// each operand seen at `shape` through its element strides (0 on broadcast dims), both on the
// current device. ops/copy.cpp's copy_ calls it for CUDA tensors (fill_, clone, contiguous and
// to(dtype) go through copy_).
#pragma once

#include "core/dtype.h"
#include "core/shape.h"
#include "core/strided_operand.h"

namespace cr::cuda {

void copy_kernel(const Shape& shape, const StridedOperand& dst, DType dst_dtype, const StridedOperand& src,
                 DType src_dtype);

}  // namespace cr::cuda
