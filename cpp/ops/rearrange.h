// Ops that move or mask whole elements without arithmetic, with PyTorch semantics: flip (fliplr,
// flipud), roll, repeat, tile, tril and triu (and tril_indices/triu_indices). Each is composed
// from differentiable primitives (index_select, expand + reshape, masked_fill), so each has its
// gradient without a formula of its own.
#pragma once

#include <vector>

#include "core/tensor.h"

namespace cr {

// input reversed along each of dims (a copy; no dims gives a plain copy).
Tensor flip(const Tensor& input, const std::vector<int64_t>& dims);
Tensor fliplr(const Tensor& input);  // flip(input, {1}); input must have >= 2 dims
Tensor flipud(const Tensor& input);  // flip(input, {0}); input must have >= 1 dim
// Elements shifted by shifts[i] along dims[i], wrapping around; with no dims the tensor is rolled
// as if flattened (shifts must then hold one value).
Tensor roll(const Tensor& input, const std::vector<int64_t>& shifts, const std::vector<int64_t>& dims);
// input tiled repeats[i] times along dim i; repeats may have more entries than input has dims
// (new leading dims), never fewer.
Tensor repeat(const Tensor& input, const Shape& repeats);
// repeat, with too few entries padded with leading 1s (numpy.tile).
Tensor tile(const Tensor& input, const Shape& repeats);
// The lower (upper) triangle of the last two dims, elements above (below) `diagonal` zeroed;
// diagonal 0 is the main diagonal, > 0 above it. Batched over leading dims.
Tensor tril(const Tensor& input, int64_t diagonal = 0);
Tensor triu(const Tensor& input, int64_t diagonal = 0);
void tril_(const Tensor& self, int64_t diagonal = 0);
void triu_(const Tensor& self, int64_t diagonal = 0);
// (2, N) int64 row and column indices of the N elements tril (triu) keeps in a rows x cols matrix,
// row-major.
Tensor tril_indices(int64_t rows, int64_t cols, int64_t offset = 0);
Tensor triu_indices(int64_t rows, int64_t cols, int64_t offset = 0);

}  // namespace cr
