// Matrix products on a GPU through cuBLAS, with the CPU's batched contract (cpu/gemm.h): `count`
// products C_i (M, N) = op(A_i) (M, K) @ op(B_i) (K, N), all row-major; operand X_i starts at
// x + x_offsets[i] (elements, host array) and is read transposed when x_trans, with leading
// dimension ldx; C is contiguous (count, M, N). float32 and float64 only (cuBLAS has no int64
// gemm, and neither has PyTorch's GPU). float32 runs in full float32: TF32 is never enabled.
#pragma once

#include <cstdint>

#include "core/dtype.h"

namespace cr::cuda {

struct GemmOperand {
  const void* data;
  const int64_t* offsets;  // (count,)
  bool trans;
  int64_t ld;
};

void gemm_batched(DType dtype, int64_t count, int64_t m, int64_t n, int64_t k, const GemmOperand& a,
                  const GemmOperand& b, void* c);

}  // namespace cr::cuda
