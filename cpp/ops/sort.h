// Sorting ops with PyTorch semantics: sort, argsort, topk, kthvalue, median and quantile along one
// dim, and searchsorted (binary search in sorted lines). NaN sorts as the largest
// value; ties keep their original order. The indices are computed by cpu/sort.h and the values
// gathered with them, so the gradient flows through gather (scattered back to the sorted positions).
#pragma once

#include <optional>

#include "core/tensor.h"
#include "cpu/sort.h"  // Interpolation
#include "ops/reduce.h"  // ValuesIndices

namespace cr {

// Values along dim in ascending (or descending) order, and where each came from (int64).
ValuesIndices sort(const Tensor& input, int64_t dim = -1, bool descending = false);
Tensor argsort(const Tensor& input, int64_t dim = -1, bool descending = false);
// The k largest (or smallest) values along dim, best first, and their indices; RuntimeError when k
// is not in [0, size of dim]. Always sorted (PyTorch leaves the order unspecified for sorted=False).
ValuesIndices topk(const Tensor& input, int64_t k, int64_t dim = -1, bool largest = true);
// The k-th smallest value along dim (k from 1) and its index; RuntimeError when k is not in [1, size].
ValuesIndices kthvalue(const Tensor& input, int64_t k, int64_t dim = -1, bool keepdim = false);
// The lower median along dim and its index. A line holding NaN gives NaN (its first NaN), unless
// ignore_nan (nanmedian), which takes the median of the other values.
ValuesIndices median_dim(const Tensor& input, int64_t dim, bool keepdim = false, bool ignore_nan = false);
// The lower median of all elements (0-d); NaN for an empty floating tensor.
Tensor median_all(const Tensor& input, bool ignore_nan = false);

// How quantile reads between the two sorted values around rank q * (n - 1) (Linear, Lower, Higher,
// Midpoint, Nearest): the kernels' enum.
using Interpolation = cpu::Interpolation;
// The q-quantiles of input along dim (every element when no dim), q a 0-d or 1-d tensor of input's
// (floating) dtype with values in [0, 1]; a 1-d q puts its dim first in the result. A line holding
// NaN gives NaN, unless ignore_nan (nanquantile), which uses the other values.
Tensor quantile(const Tensor& input, const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                Interpolation interpolation, bool ignore_nan = false);

// For each of values, where it would go in sorted_sequence (int64, values' shape): the first index
// whose element is >= it (> it when right). sorted_sequence is 1-d, or (..., M) with values (..., K)
// of the same leading sizes; sorter (optional) holds the indices that sort sorted_sequence.
Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& values, bool right = false,
                    const Tensor& sorter = nullptr);

}  // namespace cr
