// flip (fliplr, flipud) and roll pick slices with index_select (backward: index_add of the
// gradient), repeat expands a unit dim in front of each dim and reshapes (backward: the expand's
// sum), tril/triu fill a (rows, cols) mask with zeros (backward: the same mask on the gradient);
// tril_indices/triu_indices are the kept positions of the same masks.
#include "ops/rearrange.h"

#include <algorithm>

#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/index.h"
#include "ops/view.h"

namespace cr {

namespace {

// Filled on the host: a CPU tensor.
Tensor int64_vector(const std::vector<int64_t>& values) {
  Tensor t = TensorImpl::empty({static_cast<int64_t>(values.size())}, DType::Int64, kCpu);
  std::copy(values.begin(), values.end(), t->data<int64_t>());
  return t;
}

// dims wrapped into [0, ndim), RuntimeError naming op for a dim given twice.
std::vector<int64_t> distinct_dims(const std::vector<int64_t>& dims, int64_t ndim, const char* op) {
  std::vector<int64_t> out;
  for (int64_t dim : dims) {
    const int64_t d = wrap_dim(dim, std::max<int64_t>(ndim, 1), op);
    CR_CHECK(std::find(out.begin(), out.end(), d) == out.end(), RuntimeError, op, ": dim ", d,
             " appears multiple times in the list of dims");
    out.push_back(d);
  }
  return out;
}

// input with its dim-d slices reordered: slice i of the result is slice source(i) of input.
template <typename Source>
Tensor reorder_slices(const Tensor& input, int64_t d, const Source& source) {
  const int64_t n = input->size(d);
  std::vector<int64_t> index(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) index[i] = source(i, n);
  return index_select(input, d, int64_vector(index));
}

// A (rows, cols) bool mask, true where column - row satisfies `pick` (row-major), filled on the
// host: a CPU tensor.
template <typename Pick>
Tensor triangle_mask(int64_t rows, int64_t cols, const Pick& pick) {
  Tensor mask = TensorImpl::empty({rows, cols}, DType::Bool, kCpu);
  bool* m = mask->data<bool>();
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) m[i * cols + j] = pick(j - i);
  }
  return mask;
}

// (rows, cols) = column - row over input's last two dims, on input's device (made there: no upload).
Tensor diagonal_offsets(const Tensor& input, const char* op) {
  CR_CHECK(input->dim() >= 2, RuntimeError, op, ": input tensor must have at least 2 dimensions, got shape ",
           input->sizes());
  const Device device = input->device();
  const Tensor rows = arange(Scalar(int64_t{0}), Scalar(input->size(input->dim() - 2)), Scalar(int64_t{1}),
                             DType::Int64, device);
  const Tensor cols = arange(Scalar(int64_t{0}), Scalar(input->sizes().back()), Scalar(int64_t{1}), DType::Int64,
                             device);
  return binary(BinaryOp::Sub, unsqueeze(cols, 0), unsqueeze(rows, 1));
}

// The mask tril zeroes (above the diagonal) and the one triu zeroes (below it).
Tensor above_diagonal(const Tensor& input, int64_t diagonal, const char* op) {
  return binary(BinaryOp::Gt, diagonal_offsets(input, op), Scalar(diagonal));
}
Tensor below_diagonal(const Tensor& input, int64_t diagonal, const char* op) {
  return binary(BinaryOp::Lt, diagonal_offsets(input, op), Scalar(diagonal));
}

// (2, N) row and column indices of the positions of a rows x cols matrix that `kept` keeps.
template <typename Kept>
Tensor triangle_indices(int64_t rows, int64_t cols, const char* op, const Kept& kept) {
  CR_CHECK(rows >= 0, RuntimeError, op, ": row must be non-negative, got ", rows);
  CR_CHECK(cols >= 0, RuntimeError, op, ": col must be non-negative, got ", cols);
  return contiguous(transpose(nonzero(triangle_mask(rows, cols, kept)), 0, 1));
}

}  // namespace

Tensor flip(const Tensor& input, const std::vector<int64_t>& dims) {
  const std::vector<int64_t> flipped = distinct_dims(dims, input->dim(), "flip");
  if (input->dim() == 0 || flipped.empty()) return clone(input);
  Tensor out = input;
  for (int64_t d : flipped) out = reorder_slices(out, d, [](int64_t i, int64_t n) { return n - 1 - i; });
  return out;
}

Tensor fliplr(const Tensor& input) {
  CR_CHECK(input->dim() >= 2, RuntimeError, "fliplr: input must be >= 2-d, got shape ", input->sizes());
  return flip(input, {1});
}

Tensor flipud(const Tensor& input) {
  CR_CHECK(input->dim() >= 1, RuntimeError, "flipud: input must be >= 1-d, got a 0-d tensor");
  return flip(input, {0});
}

Tensor roll(const Tensor& input, const std::vector<int64_t>& shifts, const std::vector<int64_t>& dims) {
  if (dims.empty()) {
    CR_CHECK(shifts.size() == 1, RuntimeError, "roll: shifts and dimensions must align: ", shifts.size(),
             " shifts but no dims (only one shift is allowed when the tensor is rolled flattened)");
    return reshape(roll(reshape(input, {-1}), shifts, {0}), input->sizes());
  }
  CR_CHECK(shifts.size() == dims.size(), RuntimeError, "roll: shifts and dimensions must align: ", shifts.size(),
           " shifts but ", dims.size(), " dims");
  Tensor out = input->dim() == 0 ? reshape(input, {1}) : input;
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = wrap_dim(dims[i], out->dim(), "roll"), n = out->size(d);
    if (n == 0) continue;
    const int64_t shift = ((shifts[i] % n) + n) % n;
    out = reorder_slices(out, d, [shift](int64_t j, int64_t len) { return (j - shift + len) % len; });
  }
  return out.get() == input.get() ? clone(input) : reshape(out, input->sizes());
}

Tensor repeat(const Tensor& input, const Shape& repeats) {
  const int64_t nd = input->dim(), lead = static_cast<int64_t>(repeats.size()) - nd;
  CR_CHECK(lead >= 0, RuntimeError, "repeat: number of dimensions of repeat dims (", repeats.size(),
           ") can not be smaller than number of dimensions of tensor (shape ", input->sizes(), ")");
  Shape padded = input->sizes();
  for (int64_t i = 0; i < lead; ++i) padded.insert(0, 1);
  Tensor out = reshape(input, padded);
  for (int64_t r : repeats) CR_CHECK(r >= 0, RuntimeError, "repeat: repeats must be non-negative, got ", repeats);
  // Dim i of size s becomes a new dim of size r in front of it, expanded, then merged: (r * s). The
  // dims are independent; those repeated 0 times go first, so that an empty result never makes a
  // huge intermediate (repeat(2**40, 0) is empty).
  std::vector<int64_t> order;
  for (int64_t i = 0; i < static_cast<int64_t>(repeats.size()); ++i) {
    if (repeats[i] == 0) order.push_back(i);
  }
  for (int64_t i = 0; i < static_cast<int64_t>(repeats.size()); ++i) {
    if (repeats[i] != 0) order.push_back(i);
  }
  for (int64_t i : order) {
    const int64_t r = repeats[i];
    if (r == 1) continue;
    Shape expanded = out->sizes(), merged = out->sizes();
    expanded.insert(static_cast<size_t>(i), r);
    merged[i] = checked_mul(merged[i], r, "repeat");
    out = reshape(expand(unsqueeze(out, i), expanded), merged);
  }
  return may_alias(out, input) ? clone(out) : contiguous(out);
}

Tensor tile(const Tensor& input, const Shape& repeats) {
  Shape padded = repeats;
  while (static_cast<int64_t>(padded.size()) < input->dim()) padded.insert(0, 1);
  return repeat(input, padded);
}

Tensor tril(const Tensor& input, int64_t diagonal) {
  return masked_fill(input, above_diagonal(input, diagonal, "tril"), Scalar(0));
}

Tensor triu(const Tensor& input, int64_t diagonal) {
  return masked_fill(input, below_diagonal(input, diagonal, "triu"), Scalar(0));
}

void tril_(const Tensor& self, int64_t diagonal) {
  masked_fill_(self, above_diagonal(self, diagonal, "tril_"), Scalar(0));
}

void triu_(const Tensor& self, int64_t diagonal) {
  masked_fill_(self, below_diagonal(self, diagonal, "triu_"), Scalar(0));
}

Tensor tril_indices(int64_t rows, int64_t cols, int64_t offset) {
  return triangle_indices(rows, cols, "tril_indices", [offset](int64_t k) { return k <= offset; });
}

Tensor triu_indices(int64_t rows, int64_t cols, int64_t offset) {
  return triangle_indices(rows, cols, "triu_indices", [offset](int64_t k) { return k >= offset; });
}

}  // namespace cr
