// The GPU's launch loops: one thread per index of [0, n) in a grid-stride loop, calling f(i)
// (launch_indexed, for kernels that compute their own addresses), and the strided loop of the
// elementwise kernels, which coalesces dims as the CPU does (core/strided_plan.h), turns each linear
// index into each operand's address (one multiply per operand when one dim remains), then calls
// f(pointers) (launch_elementwise). Shared by the kernels of every family.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "core/dtype.h"
#include "core/error.h"
#include "core/strided_plan.h"

namespace cr::cuda {

constexpr int kLaunchThreads = 256;

// Blocks for n threads of kLaunchThreads (a grid-stride loop covers the rest).
inline int launch_blocks(int64_t n) {
  return static_cast<int>(std::min<int64_t>((n + kLaunchThreads - 1) / kLaunchThreads, 65535));
}

// After a launch: a RuntimeError naming op when it failed.
inline void check_launch(const char* op) {
  const cudaError_t status = cudaGetLastError();
  CR_CHECK(status == cudaSuccess, RuntimeError, op, ": the CUDA kernel failed to launch: ", cudaGetErrorString(status));
}

template <typename F>
__global__ void for_each_index(int64_t n, F f) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    f(i);
  }
}

// Runs f(i) for every i in [0, n), f a functor with a __device__ call operator.
template <typename F>
void launch_indexed(const char* op, int64_t n, const F& f) {
  if (n <= 0) return;
  for_each_index<F><<<launch_blocks(n), kLaunchThreads>>>(n, f);
  check_launch(op);
}

// A coalesced plan (core/strided_plan.h) in a form a kernel takes by value.
template <int N>
struct StridedGeometry {
  int ndim;
  int64_t sizes[kMaxDims];
  int64_t strides[N][kMaxDims];  // in bytes
  char* base[N];
};

// Element i's pointers when the plan is several dims long: i turned into coordinates.
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

// The common case, a plan one dim long (contiguous operands, or a scalar broadcast over one): no
// division per element.
template <int N, typename F>
__global__ void for_each_element_1d(int64_t n, StridedGeometry<N> g, F f) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    char* p[N];
    for (int k = 0; k < N; ++k) p[k] = g.base[k] + i * g.strides[k][0];
    f(p);
  }
}

// Runs f over `shape` with the operands (output first), dims coalesced as the CPU's loops coalesce
// them; `op` names the caller in errors.
template <int N, typename F>
void launch_elementwise(const char* op, const Shape& shape, const std::array<const StridedOperand*, N>& operands,
                        const F& f) {
  const StridedPlan<N> plan = make_plan<N>(shape, operands);
  if (plan.numel == 0) return;
  StridedGeometry<N> g{};
  g.ndim = plan.ndim;
  for (int k = 0; k < N; ++k) {
    g.base[k] = plan.base[k];
    for (int d = 0; d < g.ndim; ++d) g.strides[k][d] = plan.strides[k][d];
  }
  for (int d = 0; d < g.ndim; ++d) g.sizes[d] = plan.sizes[d];
  if (g.ndim == 1) {
    for_each_element_1d<N><<<launch_blocks(plan.numel), kLaunchThreads>>>(plan.numel, g, f);
  } else {
    for_each_element<N><<<launch_blocks(plan.numel), kLaunchThreads>>>(plan.numel, g, f);
  }
  check_launch(op);
}

// f(T{}) for the C++ type of dtype (every dtype: core/dtype.h's list).
template <typename F>
void with_dtype(DType dtype, const F& f) {
  CR_DISPATCH_ALL(dtype, "GPU kernel", [&] { f(scalar_t{}); });
}

// f(T{}) for every dtype and the 16-bit floats' storage types too: for the copy kernel.
template <typename F>
void with_storage_dtype(DType dtype, const F& f) {
  CR_DISPATCH_STORAGE(dtype, "GPU kernel", [&] { f(scalar_t{}); });
}

// f(T{}) for float32 or float64, for the families whose ops admit floating dtypes only. The op
// checks the dtype first; another one here is a bug of chainrule's, raised rather than read as float32.
template <typename F>
void with_floating(DType dtype, const F& f) {
  if (dtype == DType::Float64) return f(double{});
  CR_CHECK(dtype == DType::Float32, RuntimeError, "internal error: a GPU kernel for float32 or float64 was given ",
           dtype_name(dtype), " data");
  f(float{});
}

}  // namespace cr::cuda
