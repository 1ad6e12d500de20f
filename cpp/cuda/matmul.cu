// Batched row-major products on cuBLAS (cuda/matmul.h). Products whose operands advance by a fixed
// stride run as one strided-batched call (cuda/gemm.h); others (a broadcast batch with mixed
// strides) as one call per product.
#include "core/error.h"
#include "cuda/gemm.h"
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

template <typename T>
void run(int64_t count, int64_t m, int64_t n, int64_t k, const GemmOperand& a, const GemmOperand& b, T* c) {
  const T* a_data = static_cast<const T*>(a.data);
  const T* b_data = static_cast<const T*>(b.data);
  auto call = [&](int64_t first, int64_t batch, int64_t step_a, int64_t step_b) {
    gemm_strided_batched<T>("matmul", batch, m, n, k, {a_data + a.offsets[first], a.ld, step_a, a.trans},
                            {b_data + b.offsets[first], b.ld, step_b, b.trans}, T(0), {c + first * m * n, n, m * n});
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
  if (dtype == DType::Float32) return run(count, m, n, k, a, b, static_cast<float*>(c));
  CR_CHECK(dtype == DType::Float64, RuntimeError, "matmul: ", dtype_name(dtype),
           " products are not supported on CUDA (cuBLAS has none; nor has PyTorch): use float32 or float64");
  run(count, m, n, k, a, b, static_cast<double*>(c));
}

}  // namespace cr::cuda
