// Reductions with PyTorch semantics: sum, prod, mean, max/min (with indices), amax/amin,
// argmax/argmin, all/any, var/std, norm, logsumexp and cumsum. Forward functions are pure
// (input -> new tensor). `dims` lists the dims to reduce (negative ones count from the end);
// nullopt or an empty list reduces every dim, as in PyTorch.
#pragma once

#include <optional>
#include <vector>

#include "core/tensor.h"

namespace cr {

using DimList = std::optional<std::vector<int64_t>>;

// Bit d set for each dim of t that `dims` reduces; IndexError for a dim out of range and
// RuntimeError for a repeated one (as PyTorch), both naming `op`.
uint32_t reduced_dims_mask(const Tensor& t, const DimList& dims, const char* op);

// bool and int64 sums and products are int64; `dtype` converts the input first.
Tensor sum(const Tensor& t, const DimList& dims = std::nullopt, bool keepdim = false,
           std::optional<DType> dtype = std::nullopt);
Tensor prod(const Tensor& t, const DimList& dims = std::nullopt, bool keepdim = false,
            std::optional<DType> dtype = std::nullopt);
// Floating tensors only (or a floating `dtype`); the mean of nothing is NaN.
Tensor mean(const Tensor& t, const DimList& dims = std::nullopt, bool keepdim = false,
            std::optional<DType> dtype = std::nullopt);

// Largest / smallest element (0-d; NaN if any is NaN); RuntimeError for an empty tensor.
Tensor max_all(const Tensor& t);
Tensor min_all(const Tensor& t);
// Largest / smallest along dim with the index of its first occurrence; IndexError for an empty dim.
struct ValuesIndices {
  Tensor values;
  Tensor indices;  // int64
};
ValuesIndices max_dim(const Tensor& t, int64_t dim, bool keepdim = false);
ValuesIndices min_dim(const Tensor& t, int64_t dim, bool keepdim = false);
Tensor amax(const Tensor& t, const DimList& dims = std::nullopt, bool keepdim = false);
Tensor amin(const Tensor& t, const DimList& dims = std::nullopt, bool keepdim = false);
// Index of the first extreme along dim; with no dim, into the flattened tensor.
Tensor argmax(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);

Tensor all(const Tensor& t, const DimList& dims = std::nullopt, bool keepdim = false);  // -> bool
Tensor any(const Tensor& t, const DimList& dims = std::nullopt, bool keepdim = false);  // -> bool

// Two-pass variance: sum((x - mean)^2) / max(0, N - correction). Floating tensors only.
Tensor var(const Tensor& t, const DimList& dims = std::nullopt, double correction = 1, bool keepdim = false);
Tensor std_dev(const Tensor& t, const DimList& dims = std::nullopt, double correction = 1, bool keepdim = false);
// Vector p-norm over dims (p may be +-inf or 0; the Frobenius norm is p = 2). Floating tensors only.
Tensor norm(const Tensor& t, double p = 2, const DimList& dims = std::nullopt, bool keepdim = false);
// scale * the sum of t's squares over all its elements (0-d), in one pass over t and t's dtype (a
// 16-bit t summed and scaled in float32, rounded once). Not recorded: mse_loss records its own node.
Tensor scaled_sum_of_squares(const Tensor& t, double scale, const char* op);
// log(sum(exp(x))) computed as m + log(sum(exp(x - m))) with m the max; integers compute in float32.
Tensor logsumexp(const Tensor& t, const DimList& dims, bool keepdim = false);

// Running sum along dim; bool and int64 give int64, `dtype` converts the input first.
Tensor cumsum(const Tensor& t, int64_t dim, std::optional<DType> dtype = std::nullopt);

}  // namespace cr
