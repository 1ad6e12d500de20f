// Row-major strided-batched products on cuBLAS (cuda/gemm.h).
#include <climits>

#include "core/error.h"
#include "cuda/cublas_library.h"
#include "cuda/gemm.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

auto gemm_entry(float) { return cublas().sgemm_strided_batched; }
auto gemm_entry(double) { return cublas().dgemm_strided_batched; }

// C_b = beta * C_b, 0 where beta is 0: the product of an empty sum (k = 0), which cuBLAS refuses
// for its zero leading dimension.
template <typename T>
struct ScaleOutput {
  StridedMatrix<T> c;
  int64_t m, n;
  T beta;
  __device__ void operator()(int64_t i) const {
    T& v = c.data[i / (m * n) * c.stride + i / n % m * c.ld + i % n];
    v = beta == T(0) ? T(0) : beta * v;
  }
};

}  // namespace

template <typename T>
void gemm_strided_batched(const char* op, int64_t batch, int64_t m, int64_t n, int64_t k,
                          const StridedMatrix<const T>& a, const StridedMatrix<const T>& b, T beta,
                          const StridedMatrix<T>& c) {
  if (batch == 0 || m == 0 || n == 0) return;
  if (k == 0) return launch_indexed(op, batch * m * n, ScaleOutput<T>{c, m, n, beta});
  const int64_t dims[] = {batch, m, n, k, a.ld, b.ld, c.ld};
  for (int64_t v : dims) {
    CR_CHECK(v <= INT_MAX, ValueError, op, ": a dimension of this product (", v, ") exceeds cuBLAS's 32-bit limit");
  }
  const T one = 1;
  const CublasStatus status = gemm_entry(T{})(
      cublas_handle(), b.trans ? kCublasOpT : kCublasOpN, a.trans ? kCublasOpT : kCublasOpN, static_cast<int>(n),
      static_cast<int>(m), static_cast<int>(k), &one, b.data, static_cast<int>(b.ld), b.stride, a.data,
      static_cast<int>(a.ld), a.stride, &beta, c.data, static_cast<int>(c.ld), c.stride, static_cast<int>(batch));
  CR_CHECK(status == 0, RuntimeError, op, ": cuBLAS gemm failed with status ", status);
}

template void gemm_strided_batched<float>(const char*, int64_t, int64_t, int64_t, int64_t,
                                          const StridedMatrix<const float>&, const StridedMatrix<const float>&, float,
                                          const StridedMatrix<float>&);
template void gemm_strided_batched<double>(const char*, int64_t, int64_t, int64_t, int64_t,
                                           const StridedMatrix<const double>&, const StridedMatrix<const double>&,
                                           double, const StridedMatrix<double>&);

}  // namespace cr::cuda
