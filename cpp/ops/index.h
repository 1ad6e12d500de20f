// Indexing ops with PyTorch semantics: getitem/setitem over a list of TensorIndex (ints, slices,
// None, Ellipsis, bools, index tensors), advanced indexing by tensors, nonzero, masked_fill and
// masked_select, and the dim-wise gather/scatter family (gather, scatter, scatter_add,
// index_select, index_add, take). Forward functions return new tensors; `_` variants write in place.
#pragma once

#include <optional>
#include <vector>

#include "core/scalar.h"
#include "core/tensor.h"

namespace cr {

// One entry of an index expression such as x[0, 1:3, None, ..., idx].
struct TensorIndex {
  enum class Kind : uint8_t { Int, Slice, None, Ellipsis, Bool, Tensor };
  Kind kind = Kind::None;
  int64_t integer = 0;                       // Int
  std::optional<int64_t> start, stop;        // Slice
  int64_t step = 1;                          // Slice
  bool boolean = false;                      // Bool (a Python bool: adds a dim of size 1 or 0)
  Tensor tensor;                             // Tensor (int64 or bool)

  static TensorIndex make_int(int64_t i);
  static TensorIndex make_slice(std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step = 1);
  static TensorIndex make_none();
  static TensorIndex make_ellipsis();
  static TensorIndex make_bool(bool b);
  static TensorIndex make_tensor(Tensor t);
};

// self[indices]: a view when only ints, slices, None and Ellipsis appear; a new tensor when an
// index tensor (or bool) takes part, laid out by NumPy's rules for advanced indexing.
Tensor index(const Tensor& self, const std::vector<TensorIndex>& indices);
// self[indices] = value (or += when accumulate, duplicate indices adding up), value broadcasting to
// the indexed shape and cast to self's dtype. accumulate is what getitem's backward needs.
void index_put_(const Tensor& self, const std::vector<TensorIndex>& indices, const Tensor& value,
                bool accumulate = false);
void index_put_(const Tensor& self, const std::vector<TensorIndex>& indices, const Scalar& value,
                bool accumulate = false);

// RuntimeError naming op when self is expanded (a stride-0 dim of size > 1), so that writes
// would land on one element from several places; in-place indexing ops check this first.
void check_no_internal_overlap(const Tensor& self, const char* op);

// Advanced indexing proper (at::index): indices[d] indexes dim d of self (int64, broadcasting
// together, negative values counting from the end); a null entry keeps that dim whole, as do dims
// past indices.size(). `op` prefixes error messages ("" gives PyTorch's getitem wording).
Tensor index_tensors(const Tensor& self, const std::vector<Tensor>& indices, const char* op = "index");
// self[indices] = values (or += when accumulate; duplicate indices then add up, in order).
void index_put_tensors_(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values,
                        bool accumulate, const char* op = "index_put_");
// Out of place: a copy of self with self[indices] = values (+= when accumulate). The backward of
// indexing, recorded itself (defined in ops/index_backward.cpp).
Tensor index_put(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate);

// (nnz, ndim) int64 coordinates of the non-zero elements, in row-major order.
Tensor nonzero(const Tensor& self);
std::vector<Tensor> nonzero_tuple(const Tensor& self);  // ndim tensors of shape (nnz,)
Tensor flat_nonzero(const Tensor& mask);  // row-major positions of a bool mask's true elements (1-d)

Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value);
void masked_fill_(const Tensor& self, const Tensor& mask, const Scalar& value);
Tensor masked_select(const Tensor& self, const Tensor& mask);  // 1-d

// out[i][j][k] = input[i][index[i][j][k]][k] (dim = 1); out has index's shape.
Tensor gather(const Tensor& input, int64_t dim, const Tensor& index);
// self[i][index[i][j][k]][k] = src[i][j][k] (dim = 1); last write wins on duplicates.
void scatter_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
void scatter_(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value);
void scatter_add_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& input, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& input, int64_t dim, const Tensor& index, const Scalar& value);
Tensor scatter_add(const Tensor& input, int64_t dim, const Tensor& index, const Tensor& src);

// Slices of input along dim picked by a 1-d (or 0-d) int64 index.
Tensor index_select(const Tensor& input, int64_t dim, const Tensor& index);
// self.index_select(dim, index) += alpha * source, duplicates adding up.
void index_add_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha);
Tensor index_add(const Tensor& input, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha);
// input viewed as 1-d, picked by index; the result has index's shape.
Tensor take(const Tensor& input, const Tensor& index);
// gather along dim after broadcasting input and indices in every other dim (the companion of
// argsort/topk indices); with no dim, input and indices are flattened first.
Tensor take_along_dim(const Tensor& input, const Tensor& indices, std::optional<int64_t> dim);

}  // namespace cr
