// Sorting ops with PyTorch semantics: sort, argsort and topk along one dim. NaN sorts as the largest
// value; ties keep their original order. The indices are computed by cpu/sort.h and the values
// gathered with them, so the gradient flows through gather (scattered back to the sorted positions).
#pragma once

#include "core/tensor.h"
#include "ops/reduce.h"  // ValuesIndices

namespace cr {

// Values along dim in ascending (or descending) order, and where each came from (int64).
ValuesIndices sort(const Tensor& input, int64_t dim = -1, bool descending = false);
Tensor argsort(const Tensor& input, int64_t dim = -1, bool descending = false);
// The k largest (or smallest) values along dim, best first, and their indices; RuntimeError when k
// is not in [0, size of dim]. Always sorted (PyTorch leaves the order unspecified for sorted=False).
ValuesIndices topk(const Tensor& input, int64_t k, int64_t dim = -1, bool largest = true);

}  // namespace cr
