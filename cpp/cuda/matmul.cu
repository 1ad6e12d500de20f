// Batched row-major products on cuBLAS (cuda/matmul.h). cuBLAS is column-major, where a row-major
// matrix reads as its transpose; so C = op(A) @ op(B) is computed as C^T = op(B)^T @ op(A)^T with
// the operands swapped. Products whose operands advance by a fixed stride run as one strided-batched
// call; others (a broadcast batch with mixed strides) as one call per product.
#include "core/error.h"
#include "cuda/cublas_library.h"
#include "cuda/matmul.h"

namespace cr::cuda {

namespace {

// The fixed step between consecutive offsets, or -1 when there is none.
int64_t uniform_stride(const int64_t* offsets, int64_t count) {
  if (count < 2) return 0;
  const int64_t step = offsets[1] - offsets[0];
  for (int64_t i = 2; i < count; ++i) {
    if (offsets[i] - offsets[i - 1] != step) return -1;
  }
  return step;
}

template <typename T, typename Gemm>
void run(Gemm gemm, int64_t count, int64_t m, int64_t n, int64_t k, const GemmOperand& a, const GemmOperand& b,
         T* c) {
  const T one = 1, zero = 0;
  const T* a_data = static_cast<const T*>(a.data);
  const T* b_data = static_cast<const T*>(b.data);
  const auto op_a = a.trans ? kCublasOpT : kCublasOpN, op_b = b.trans ? kCublasOpT : kCublasOpN;
  auto call = [&](int64_t first, int64_t batch, int64_t step_a, int64_t step_b) {
    const CublasStatus status =
        gemm(cublas_handle(), op_b, op_a, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), &one,
             b_data + b.offsets[first], static_cast<int>(b.ld), step_b, a_data + a.offsets[first],
             static_cast<int>(a.ld), step_a, &zero, c + first * m * n, static_cast<int>(n), m * n,
             static_cast<int>(batch));
    CR_CHECK(status == 0, RuntimeError, "matmul: cuBLAS gemm failed with status ", status);
  };
  const int64_t step_a = uniform_stride(a.offsets, count), step_b = uniform_stride(b.offsets, count);
  if (step_a >= 0 && step_b >= 0) return call(0, count, step_a, step_b);
  for (int64_t i = 0; i < count; ++i) call(i, 1, 0, 0);
}

}  // namespace

void gemm_batched(DType dtype, int64_t count, int64_t m, int64_t n, int64_t k, const GemmOperand& a,
                  const GemmOperand& b, void* c) {
  CR_CHECK(count <= INT32_MAX && m * n <= INT64_MAX / (count > 0 ? count : 1), ValueError,
           "matmul: too many products for one cuBLAS call");
  if (dtype == DType::Float32) return run(cublas().sgemm_strided_batched, count, m, n, k, a, b, static_cast<float*>(c));
  CR_CHECK(dtype == DType::Float64, RuntimeError, "matmul: ", dtype_name(dtype),
           " products are not supported on CUDA (cuBLAS has none; nor has PyTorch): use float32 or float64");
  run(cublas().dgemm_strided_batched, count, m, n, k, a, b, static_cast<double*>(c));
}

}  // namespace cr::cuda
