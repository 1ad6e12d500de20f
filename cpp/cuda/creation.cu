// Factories on a GPU (cuda/creation.h).
#include <cstring>

#include "cuda/creation.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

__global__ void store_bytes_kernel(void* dst, uint64_t bits, int nbytes) { memcpy(dst, &bits, nbytes); }

template <typename T, typename Range>
struct RangeElement {
  T* dst;
  Range range;
  __device__ void operator()(int64_t i) const { dst[i] = range.template at<T>(i); }
};

template <typename T>
struct DiagonalOne {
  T* dst;
  int64_t cols;
  __device__ void operator()(int64_t i) const { dst[i * cols + i] = T(1); }
};

// Bool is refused with the CPU's DTypeError (the same dispatch), not left unwritten.
template <typename Range>
void fill_range(const char* op, DType dtype, void* dst, int64_t n, const Range& range) {
  CR_DISPATCH_NUMERIC(dtype, op, [&] {
    launch_indexed(op, n, RangeElement<scalar_t, Range>{static_cast<scalar_t*>(dst), range});
  });
}

}  // namespace

void store_bytes(void* dst, uint64_t bits, int nbytes) {
  store_bytes_kernel<<<1, 1>>>(dst, bits, nbytes);
  check_launch("scalar_tensor");
}

void arange_fill(DType dtype, void* dst, int64_t n, const ArangeFormula& range) {
  fill_range("arange", dtype, dst, n, range);
}

void linspace_fill(DType dtype, void* dst, int64_t n, const LinspaceFormula& range) {
  fill_range("linspace", dtype, dst, n, range);
}

void eye_diagonal(DType dtype, void* dst, int64_t count, int64_t cols) {
  with_dtype(dtype, [&](auto t) {
    using T = decltype(t);
    launch_indexed("eye", count, DiagonalOne<T>{static_cast<T*>(dst), cols});
  });
}

}  // namespace cr::cuda
