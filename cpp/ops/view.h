// View ops: new geometry over the same storage, no data copied (reshape copies only when no view
// can express the new shape, as in PyTorch).
#pragma once

#include <optional>

#include "core/tensor.h"

namespace cr {

// Replaces one -1 in `shape` by the size that makes numel match; ValueError naming `op` otherwise.
Shape infer_size(const Shape& shape, int64_t numel, const char* op);

Tensor view(const Tensor& t, const Shape& shape);
Tensor reshape(const Tensor& t, const Shape& shape);
Tensor flatten(const Tensor& t, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor unflatten(const Tensor& t, int64_t dim, const Shape& sizes);
Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1);
Tensor permute(const Tensor& t, const Shape& dims);
Tensor t_(const Tensor& t);  // transpose of a tensor with at most 2 dims (PyTorch's .t())
Tensor movedim(const Tensor& t, int64_t source, int64_t destination);
Tensor squeeze(const Tensor& t, std::optional<int64_t> dim = std::nullopt);
Tensor unsqueeze(const Tensor& t, int64_t dim);
Tensor expand(const Tensor& t, const Shape& shape);  // -1 keeps a dim
Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length);
// Python slice semantics on one dim: start/end are clamped, step > 0.
Tensor slice(const Tensor& t, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step);
Tensor select(const Tensor& t, int64_t dim, int64_t index);  // removes dim
Tensor as_strided(const Tensor& t, const Shape& sizes, const Shape& strides, int64_t offset);

}  // namespace cr
