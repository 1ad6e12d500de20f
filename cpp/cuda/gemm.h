// Row-major strided-batched matrix products on cuBLAS: the one place chainrule calls cuBLAS's gemm
// (matmul, the convolutions). cuBLAS is column-major, where a row-major matrix reads as its
// transpose; so C = op(A) @ op(B) runs as C^T = op(B)^T @ op(A)^T with the operands swapped.
#pragma once

#include <cstdint>

namespace cr::cuda {

// Matrix b of a batch starts at data + b * stride (elements); rows are ld apart; read transposed
// when trans.
template <typename T>
struct StridedMatrix {
  T* data;
  int64_t ld, stride;
  bool trans = false;
};

// For b < batch: C_b (m, n) = op(A_b) (m, k) @ op(B_b) (k, n) + beta * C_b. float and double;
// float32 runs in full float32 (TF32 is never enabled). `op` names the caller in errors.
template <typename T>
void gemm_strided_batched(const char* op, int64_t batch, int64_t m, int64_t n, int64_t k,
                          const StridedMatrix<const T>& a, const StridedMatrix<const T>& b, T beta,
                          const StridedMatrix<T>& c);

}  // namespace cr::cuda
