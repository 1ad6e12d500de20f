// Pooling with PyTorch's semantics: max, average and adaptive pooling over the last 1 or 2 dims
// of batched (N, C, L) / (N, C, H, W) or unbatched (C, L) / (C, H, W) inputs. Window sizes,
// strides, paddings and dilations are given per spatial dim ({kh, kw} or {k}); max pooling also
// returns int64 indices, flat over each plane (h * W + w), equal to PyTorch's. Ties pick the
// first maximum in row-major window order; a NaN is always picked (the last NaN of a window).
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "cpu/pool.h"

namespace cr {

using IntList = std::vector<int64_t>;

// (values, indices); `kernel`, `stride`, `padding`, `dilation` hold one entry per spatial dim.
std::pair<Tensor, Tensor> max_pool1d_with_indices(const Tensor& x, const IntList& kernel, const IntList& stride,
                                                  const IntList& padding, const IntList& dilation, bool ceil_mode);
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, const IntList& kernel, const IntList& stride,
                                                  const IntList& padding, const IntList& dilation, bool ceil_mode);

Tensor avg_pool1d(const Tensor& x, const IntList& kernel, const IntList& stride, const IntList& padding,
                  bool ceil_mode, bool count_include_pad);
Tensor avg_pool2d(const Tensor& x, const IntList& kernel, const IntList& stride, const IntList& padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override);

// output_size: one entry per spatial dim (>= 0).
Tensor adaptive_avg_pool1d(const Tensor& x, const IntList& output_size);
Tensor adaptive_avg_pool2d(const Tensor& x, const IntList& output_size);
std::pair<Tensor, Tensor> adaptive_max_pool1d(const Tensor& x, const IntList& output_size);
std::pair<Tensor, Tensor> adaptive_max_pool2d(const Tensor& x, const IntList& output_size);

// The pools build the kernel's per-axis windows directly.
using cpu::AxisWindows;

// Max pooling of x over the windows (rows null: a 1-d pool); records its backward. Shared by the
// plain and adaptive max pools (pool.cpp, adaptive_pool.cpp).
std::pair<Tensor, Tensor> max_pool_windows(const Tensor& x, int spatial, const AxisWindows* rows,
                                           const AxisWindows& cols, const char* op, const char* node);

// Backward of max pooling (pool_backward.cpp): grad_input (batch..., in spatial) gets each
// grad_output (batch..., out spatial) element added at its plane's index. Recorded: its own
// backward gathers by the same indices (and that gather's backward is this scatter).
Tensor max_pool_backward(const Tensor& grad_output, const Tensor& indices, const Shape& input_sizes, int spatial);

// Checks shared by the pools: an input of spatial + 1 or spatial + 2 dims whose non-batch dims are
// non-empty; RuntimeError naming op otherwise. Float32/float64 (and int64 when allow_int).
void check_pool_input(const Tensor& x, int spatial, const char* op, bool allow_int);

}  // namespace cr
