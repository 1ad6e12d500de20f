// The pointwise activations on a GPU (core/activation_formulas.h's functors on CUDA's math): out =
// act(x) and dx = g * act'(x) over `shape`, each operand seen through its element strides; the
// operands are float32 or float64 of one dtype.
#pragma once

#include "core/activation_formulas.h"
#include "core/dtype.h"
#include "core/strided_operand.h"

namespace cr::cuda {

void activation_forward(const ActivationParams& act, DType dtype, const Shape& shape, const StridedOperand& out,
                        const StridedOperand& x);
void activation_backward(const ActivationParams& act, DType dtype, const Shape& shape, const StridedOperand& dx,
                         const StridedOperand& g, const StridedOperand& x);

}  // namespace cr::cuda
