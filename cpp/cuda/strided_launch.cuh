// The strided loop of the GPU's elementwise kernels: one thread per element (grid-stride), which
// turns its linear index into coordinates and so into each operand's address, then calls
// f(pointers). Shared by cuda/elementwise.cu and the kernels of other families.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "core/error.h"
#include "core/strided_operand.h"

namespace cr::cuda {

// Sizes and byte strides of N operands, passed to the kernel by value.
template <int N>
struct StridedGeometry {
  int ndim;
  int64_t sizes[kMaxDims];
  int64_t strides[N][kMaxDims];
  char* base[N];
};

template <int N, typename F>
__global__ void for_each_element(int64_t n, StridedGeometry<N> g, F f) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    char* p[N];
    for (int k = 0; k < N; ++k) p[k] = g.base[k];
    int64_t rest = i;
    for (int d = g.ndim - 1; d >= 0; --d) {
      const int64_t coordinate = rest % g.sizes[d];
      rest /= g.sizes[d];
      for (int k = 0; k < N; ++k) p[k] += coordinate * g.strides[k][d];
    }
    f(p);
  }
}

// Runs f over `shape` with the operands (output first); `op` names the caller in errors.
template <int N, typename F>
void launch_elementwise(const char* op, const Shape& shape, const std::array<const StridedOperand*, N>& operands,
                        const F& f) {
  const int64_t n = shape_numel(shape);
  if (n == 0) return;
  StridedGeometry<N> g{};
  g.ndim = static_cast<int>(shape.size());
  for (int k = 0; k < N; ++k) {
    g.base[k] = operands[k]->data;
    for (int d = 0; d < g.ndim; ++d) g.strides[k][d] = operands[k]->strides[d] * operands[k]->itemsize;
  }
  for (int d = 0; d < g.ndim; ++d) g.sizes[d] = shape[d];
  constexpr int kThreads = 256;
  const int blocks = static_cast<int>(std::min<int64_t>((n + kThreads - 1) / kThreads, 65535));
  for_each_element<N><<<blocks, kThreads>>>(n, g, f);
  const cudaError_t status = cudaGetLastError();
  CR_CHECK(status == cudaSuccess, RuntimeError, op, ": the CUDA kernel failed to launch: ", cudaGetErrorString(status));
}

// f(T{}) for the C++ type of dtype.
template <typename F>
void with_dtype(DType dtype, const F& f) {
  switch (dtype) {
    case DType::Bool: return f(bool{});
    case DType::Int64: return f(int64_t{});
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
  }
}

}  // namespace cr::cuda
