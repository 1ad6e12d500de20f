// Joining and splitting along a dim: cat, stack, hstack, vstack (new tensors, dtypes promoted like
// PyTorch) and split, chunk, unbind (views of the input).
#pragma once

#include <vector>

#include "core/tensor.h"

namespace cr {

// Concatenation along dim; 1-d tensors with no elements are skipped, as in PyTorch.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);  // along a new dim
Tensor hstack(const std::vector<Tensor>& tensors);  // cat along dim 1 (dim 0 for 1-d tensors)
Tensor vstack(const std::vector<Tensor>& tensors);  // 1-d tensors as rows, then cat along dim 0

// Pieces of split_size along dim (the last one may be shorter).
std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim = 0);
// Pieces of the given sizes, which must add up to t's size in dim.
std::vector<Tensor> split_with_sizes(const Tensor& t, const std::vector<int64_t>& sizes, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim = 0);
std::vector<Tensor> unbind(const Tensor& t, int64_t dim = 0);

}  // namespace cr
