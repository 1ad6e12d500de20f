// Matrix products with PyTorch's semantics, differentiable (backward formulas in matmul.cpp):
// matmul with the 1-D and broadcast-batch rules, and the strict forms mm (2-D), bmm (3-D), mv, dot
// and outer. float32/float64 run on BLAS, int64 on plain loops; both operands must share a dtype
// (RuntimeError otherwise, as in PyTorch), bool is a TypeError.
#pragma once

#include "core/tensor.h"

namespace cr {

// 1-D @ 1-D -> 0-d dot; 2-D @ 1-D -> mv; 1-D @ 2-D -> (1, K) @ (K, N) with the 1 removed;
// N-D @ N-D -> batched, batch dims broadcast: (B, 1, M, K) @ (1, C, K, N) -> (B, C, M, N).
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);   // (M, K) @ (K, N) -> (M, N)
Tensor bmm(const Tensor& a, const Tensor& b);  // (B, M, K) @ (B, K, N) -> (B, M, N), no broadcasting
Tensor mv(const Tensor& a, const Tensor& v);   // (M, K) @ (K,) -> (M,)
Tensor dot(const Tensor& a, const Tensor& b);  // (K,) . (K,) -> 0-d
// (M,) x (N,) -> (M, N); a product of broadcast views, so it promotes dtypes like mul (as PyTorch).
Tensor outer(const Tensor& a, const Tensor& b);

}  // namespace cr
