// Autograd history of views written in place. Writing into a view changes its base too, so the
// base gets a new grad_fn (CopySlices, as in PyTorch): the gradient of the written region goes to the
// op that wrote it, the rest to the base's old history. Every view of that storage then finds its
// grad_fn stale (the storage version moved) and takes a fresh one reading from the base's new
// history (TensorImpl::refresh_view_grad_fn, defined in view_history.cpp).
#pragma once

#include "core/tensor.h"

namespace cr {

// After `view` took the values of `result` (an out-of-place op whose history includes view's old
// values): makes the base's grad_fn a CopySlices node over the base's old history and `result`.
void record_copy_slices(const Tensor& view, const Tensor& result);

}  // namespace cr
