// The strided, converting copy on a GPU (cuda/copy.h): one thread per element in a grid-stride
// loop; each thread turns its linear index into coordinates and so into both operands' offsets.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "core/error.h"
#include "cuda/copy.h"

namespace cr::cuda {

namespace {

// sizes and element strides of both operands, passed to the kernel by value.
struct CopyGeometry {
  int ndim;
  int64_t sizes[kMaxDims];
  int64_t dst_strides[kMaxDims];
  int64_t src_strides[kMaxDims];
};

template <typename To, typename From>
__device__ To convert(From v) {
  if constexpr (std::is_same_v<To, bool>) return v != From(0);
  else return static_cast<To>(v);
}

// dst[offset_dst(i)] = convert(src[offset_src(i)]) for i in [0, n).
template <typename To, typename From>
__global__ void copy_elements(int64_t n, CopyGeometry g, To* dst, const From* src) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t rest = i, at_dst = 0, at_src = 0;
    for (int d = g.ndim - 1; d >= 0; --d) {
      const int64_t coordinate = rest % g.sizes[d];
      rest /= g.sizes[d];
      at_dst += coordinate * g.dst_strides[d];
      at_src += coordinate * g.src_strides[d];
    }
    dst[at_dst] = convert<To>(src[at_src]);
  }
}

template <typename F>
void with_dtype(DType dtype, const F& f) {
  switch (dtype) {
    case DType::Bool: return f(bool{});
    case DType::Int64: return f(int64_t{});
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
  }
}

}  // namespace

void copy_kernel(const Shape& shape, const StridedOperand& dst, DType dst_dtype, const StridedOperand& src,
                 DType src_dtype) {
  const int64_t n = shape_numel(shape);
  if (n == 0) return;
  CopyGeometry g{};
  g.ndim = static_cast<int>(shape.size());
  for (int d = 0; d < g.ndim; ++d) {
    g.sizes[d] = shape[d];
    g.dst_strides[d] = dst.strides[d];
    g.src_strides[d] = src.strides[d];
  }
  constexpr int kThreads = 256;
  const int blocks = static_cast<int>(std::min<int64_t>((n + kThreads - 1) / kThreads, 65535));
  with_dtype(dst_dtype, [&](auto to) {
    with_dtype(src_dtype, [&](auto from) {
      using To = decltype(to);
      using From = decltype(from);
      copy_elements<To, From><<<blocks, kThreads>>>(n, g, reinterpret_cast<To*>(dst.data),
                                                    reinterpret_cast<const From*>(src.data));
    });
  });
  const cudaError_t status = cudaGetLastError();
  CR_CHECK(status == cudaSuccess, RuntimeError, "copy_: the CUDA copy kernel failed to launch: ",
           cudaGetErrorString(status));
}

}  // namespace cr::cuda
