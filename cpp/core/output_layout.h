// The layout of an elementwise op's output, by PyTorch's rule (TensorIterator's reorder_dimensions):
// the output is dense, with its dims in the order of the inputs' strides, so an op on a permuted
// tensor (x.permute(0, 2, 3, 1) * 2) is permuted the same way and `.permute` back gives a contiguous
// tensor, as in PyTorch. The first input decides the order; where its strides tie, or a dim is
// broadcast (stride 0) in it, the next input decides. Contiguous inputs, and empty outputs, are
// contiguous.
#pragma once

#include <vector>

#include "core/shape.h"

namespace cr {

// Output strides (in elements) for an output of `sizes`, given each input's strides broadcast to
// `sizes` (0 on broadcast dims; core/shape.h's broadcast_strides).
Shape elementwise_output_strides(const Shape& sizes, const std::vector<Shape>& input_strides);

}  // namespace cr
