// Reductions on a GPU (cuda/reduce.h): one block per output element (grid-stride over outputs);
// its threads stride over the reduced elements, then combine through shared memory. Plain and
// correct rather than tuned: a whole-tensor sum runs on one block.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "core/error.h"
#include "core/shape.h"
#include "cuda/reduce.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

constexpr int kThreads = 256;

// The layout split into kept dims (one per output) and reduced dims, element strides.
struct ReduceGeometry {
  int nkept, nreduced;
  int64_t kept_sizes[kMaxDims], kept_in[kMaxDims], kept_out[kMaxDims];
  int64_t red_sizes[kMaxDims], red_in[kMaxDims];
  int64_t outputs, reduced_count;
};

ReduceGeometry make_geometry(const ReduceLayout& layout) {
  ReduceGeometry g{};
  g.outputs = 1, g.reduced_count = 1;
  for (int d = 0; d < layout.ndim; ++d) {
    if (layout.reduced >> d & 1) {
      g.red_sizes[g.nreduced] = layout.sizes[d], g.red_in[g.nreduced++] = layout.in_strides[d];
      g.reduced_count *= layout.sizes[d];
    } else {
      g.kept_sizes[g.nkept] = layout.sizes[d], g.kept_in[g.nkept] = layout.in_strides[d];
      g.kept_out[g.nkept++] = layout.out_strides[d];
      g.outputs *= layout.sizes[d];
    }
  }
  return g;
}

// Offsets of output o in the input and the output.
__device__ void output_offsets(const ReduceGeometry& g, int64_t o, int64_t& in, int64_t& out) {
  in = 0, out = 0;
  for (int d = g.nkept - 1; d >= 0; --d) {
    const int64_t c = o % g.kept_sizes[d];
    o /= g.kept_sizes[d];
    in += c * g.kept_in[d], out += c * g.kept_out[d];
  }
}

__device__ int64_t reduced_offset(const ReduceGeometry& g, int64_t r) {
  int64_t in = 0;
  for (int d = g.nreduced - 1; d >= 0; --d) {
    in += (r % g.red_sizes[d]) * g.red_in[d];
    r /= g.red_sizes[d];
  }
  return in;
}

// The lowest value of an integer type T: 0 unsigned, -2^(bits-1) signed (two's complement).
template <typename T>
__device__ constexpr T lowest_integer() {
  using U = std::make_unsigned_t<T>;
  return std::is_signed_v<T> ? static_cast<T>(static_cast<U>(U(1) << (sizeof(T) * 8 - 1))) : T(0);
}

template <typename T>
__device__ T keep_nan(T acc, T x, T picked) {
  if constexpr (std::is_floating_point_v<T>) return x != x ? x : (acc != acc ? acc : picked);
  else return picked;
}

// Accumulator type and folding rule of each kind, as the CPU's reducers.
template <ReduceKind K, typename T>
struct Fold {
  using acc_t = std::conditional_t<
      K == ReduceKind::All || K == ReduceKind::Any, bool,
      std::conditional_t<K == ReduceKind::Sum || K == ReduceKind::SumOfSquares || K == ReduceKind::Prod,
                         std::conditional_t<std::is_floating_point_v<T>, double, int64_t>, T>>;
  static constexpr bool kSums = K == ReduceKind::Sum || K == ReduceKind::SumOfSquares || K == ReduceKind::Prod;
  using out_t = std::conditional_t<kSums && !std::is_floating_point_v<T>,
                                   int64_t, std::conditional_t<std::is_same_v<acc_t, bool>, bool, T>>;
  __device__ static acc_t identity() {
    if constexpr (K == ReduceKind::Sum || K == ReduceKind::SumOfSquares || K == ReduceKind::Any) return acc_t(0);
    else if constexpr (K == ReduceKind::Prod || K == ReduceKind::All) return acc_t(1);
    else if constexpr (std::is_floating_point_v<T>) return K == ReduceKind::Max ? -INFINITY : INFINITY;
    else if constexpr (std::is_same_v<T, bool>) return K == ReduceKind::Min;
    else return K == ReduceKind::Max ? lowest_integer<T>() : T(~lowest_integer<T>());
  }
  __device__ static acc_t fold(acc_t a, acc_t x) {
    if constexpr (K == ReduceKind::Sum || K == ReduceKind::SumOfSquares) return a + x;
    else if constexpr (K == ReduceKind::Prod) return a * x;
    else if constexpr (K == ReduceKind::All) return a && x;
    else if constexpr (K == ReduceKind::Any) return a || x;
    else if constexpr (K == ReduceKind::Max) return keep_nan(a, x, x > a ? x : a);
    else return keep_nan(a, x, x < a ? x : a);
  }
  __device__ static acc_t load(T x) {
    if constexpr (std::is_same_v<acc_t, bool>) return x != T(0);
    else if constexpr (K == ReduceKind::SumOfSquares) return acc_t(x) * acc_t(x);
    else return acc_t(x);
  }
};

template <ReduceKind K, typename T>
__global__ void reduce_outputs(ReduceGeometry g, const T* in, typename Fold<K, T>::out_t* out) {
  using F = Fold<K, T>;
  using acc_t = typename F::acc_t;
  __shared__ acc_t partial[kThreads];
  for (int64_t o = blockIdx.x; o < g.outputs; o += gridDim.x) {
    int64_t in_base, out_at;
    output_offsets(g, o, in_base, out_at);
    acc_t acc = F::identity();
    for (int64_t r = threadIdx.x; r < g.reduced_count; r += blockDim.x) {
      acc = F::fold(acc, F::load(in[in_base + reduced_offset(g, r)]));
    }
    partial[threadIdx.x] = acc;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
      if (threadIdx.x < half) partial[threadIdx.x] = F::fold(partial[threadIdx.x], partial[threadIdx.x + half]);
      __syncthreads();
    }
    if (threadIdx.x == 0) out[out_at] = static_cast<typename F::out_t>(partial[0]);
    __syncthreads();
  }
}

// Whether (x at i) beats (best at j) as the max (kMax) or min: NaN first, then the value, then the
// earlier position.
template <typename T, bool kMax>
__device__ bool beats(T x, int64_t i, T best, int64_t j) {
  if constexpr (std::is_floating_point_v<T>) {
    if (x != x || best != best) return x != x && (best == best || i < j);
  }
  if (x != best) return kMax ? x > best : x < best;
  return i < j;
}

template <typename T, bool kMax>
__global__ void arg_reduce_outputs(ReduceGeometry g, const T* in, T* values, int64_t* indices) {
  __shared__ T best_value[kThreads];
  __shared__ int64_t best_index[kThreads];
  for (int64_t o = blockIdx.x; o < g.outputs; o += gridDim.x) {
    int64_t in_base, out_at;
    output_offsets(g, o, in_base, out_at);
    T best = in[in_base];
    int64_t at = 0;
    for (int64_t r = threadIdx.x; r < g.reduced_count; r += blockDim.x) {
      const T x = in[in_base + r * g.red_in[0]];
      if (beats<T, kMax>(x, r, best, at) || r == threadIdx.x) best = x, at = r;
    }
    if (threadIdx.x >= g.reduced_count) at = INT64_MAX;  // no element: never wins
    best_value[threadIdx.x] = best, best_index[threadIdx.x] = at;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
      if (threadIdx.x < half && best_index[threadIdx.x + half] != INT64_MAX &&
          (best_index[threadIdx.x] == INT64_MAX ||
           beats<T, kMax>(best_value[threadIdx.x + half], best_index[threadIdx.x + half], best_value[threadIdx.x],
                          best_index[threadIdx.x]))) {
        best_value[threadIdx.x] = best_value[threadIdx.x + half];
        best_index[threadIdx.x] = best_index[threadIdx.x + half];
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) values[out_at] = best_value[0], indices[out_at] = best_index[0];
    __syncthreads();
  }
}

int blocks_for(int64_t outputs) { return static_cast<int>(std::clamp<int64_t>(outputs, 1, 65535)); }

template <ReduceKind K>
void reduce_as(DType dtype, const void* in, const ReduceGeometry& g, void* out) {
  with_dtype(dtype, [&](auto t) {
    using T = decltype(t);
    using out_t = typename Fold<K, T>::out_t;
    reduce_outputs<K, T><<<blocks_for(g.outputs), kThreads>>>(g, static_cast<const T*>(in), static_cast<out_t*>(out));
  });
}

}  // namespace

void reduce_kernel(ReduceKind kind, DType in_dtype, const void* in, const ReduceLayout& layout, void* out) {
  const ReduceGeometry g = make_geometry(layout);
  if (g.outputs == 0) return;
  switch (kind) {
    case ReduceKind::Sum: reduce_as<ReduceKind::Sum>(in_dtype, in, g, out); break;
    case ReduceKind::SumOfSquares: reduce_as<ReduceKind::SumOfSquares>(in_dtype, in, g, out); break;
    case ReduceKind::Prod: reduce_as<ReduceKind::Prod>(in_dtype, in, g, out); break;
    case ReduceKind::Max: reduce_as<ReduceKind::Max>(in_dtype, in, g, out); break;
    case ReduceKind::Min: reduce_as<ReduceKind::Min>(in_dtype, in, g, out); break;
    case ReduceKind::All: reduce_as<ReduceKind::All>(in_dtype, in, g, out); break;
    case ReduceKind::Any: reduce_as<ReduceKind::Any>(in_dtype, in, g, out); break;
  }
  check_launch("reduce");
}

void arg_reduce_kernel(bool is_max, DType dtype, const void* in, const ReduceLayout& layout, void* values,
                       int64_t* indices) {
  const ReduceGeometry g = make_geometry(layout);
  if (g.outputs == 0) return;
  with_dtype(dtype, [&](auto t) {
    using T = decltype(t);
    const T* x = static_cast<const T*>(in);
    T* extremes = static_cast<T*>(values);
    if (is_max) arg_reduce_outputs<T, true><<<blocks_for(g.outputs), kThreads>>>(g, x, extremes, indices);
    else arg_reduce_outputs<T, false><<<blocks_for(g.outputs), kThreads>>>(g, x, extremes, indices);
  });
  check_launch(is_max ? "max" : "min");
}

}  // namespace cr::cuda
