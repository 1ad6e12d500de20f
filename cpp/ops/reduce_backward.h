// Backward formulas of the reductions (reduce.cpp records the nodes beside each forward). They are
// written with recorded ops, so create_graph=True differentiates them again. `mask` has bit d set
// for each reduced dim of the input; `keepdim` is the forward's.
#pragma once

#include "core/tensor.h"

namespace cr {

// The gradient of a reduction's output, broadcast back over the reduced dims of the input `in`.
Tensor expand_reduced(const Tensor& g, const Shape& in, uint32_t mask, bool keepdim);

// prod (whole: of all elements, no dim given): the product of the other elements of each group,
// as PyTorch computes it: out / x where the input has no zero, else without division, exact at
// zeros, NaN and inf; differentiable again.
Tensor prod_backward(const Tensor& g, const Tensor& x, const Tensor& out, uint32_t mask, bool keepdim, bool whole);

// Where an extreme (max, amax, ...) is NaN, which elements its gradient goes to.
enum class NanExtreme {
  NanElements,        // max/min over all: the NaN elements, the others 0 (evenly_distribute_backward)
  NanElementsScaled,  // the inf-norms: the NaN elements, the others 0 * g, NaN for a NaN or inf g
                      // (linalg_vector_norm_backward: g / count * mask)
  NoElement,          // amax/amin: none equals NaN, and the group's gradient is NaN (scale_grad_by_count)
};

// max/min over all, amax/amin: the gradient split evenly among the elements equal to the result,
// as in PyTorch.
Tensor extremes_backward(const Tensor& g, const Tensor& x, const Tensor& out, uint32_t mask, bool keepdim,
                         NanExtreme nan_extreme);

// max/min along dim: the whole gradient to the element at `indices` (a one-hot mask along dim).
Tensor selected_backward(const Tensor& g, const Tensor& indices, const Shape& in, int64_t dim, bool keepdim);

// var and std with `dof` = max(0, N - correction); std's gradient is 0 where std is 0 (PyTorch).
Tensor var_backward(const Tensor& g, const Tensor& x, uint32_t mask, bool keepdim, double dof);
Tensor std_backward(const Tensor& g, const Tensor& x, const Tensor& out, uint32_t mask, bool keepdim, double dof);

// Vector p-norm for finite p other than 0 and 1 (those reduce to recorded ops), following
// PyTorch's norm_backward: 0 where the norm is 0, and for p < 1 also 0 at zero elements.
Tensor norm_backward(const Tensor& g, const Tensor& x, const Tensor& out, double p, uint32_t mask, bool keepdim);

// cumsum along dim: the reversed running sum of g, total - cumsum(g) + g.
Tensor cumsum_backward(const Tensor& g, int64_t dim);

}  // namespace cr
