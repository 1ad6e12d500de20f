// Max pooling on a GPU (cuda/pool.h): one thread per output element.
#include "core/pool_formulas.h"
#include "cuda/pool.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

template <typename T>
struct WindowMax {  // output (p, i, j)
  const T* x;
  PlaneShape s;
  DeviceWindows rows, cols;
  T* y;
  int64_t* idx;
  __device__ void operator()(int64_t o) const {
    const int64_t j = o % cols.outputs, i = o / cols.outputs % rows.outputs, p = o / (cols.outputs * rows.outputs);
    window_max(x + p * s.height * s.width, s.width, rows.first[i], rows.count[i], rows.step, cols.first[j],
               cols.count[j], cols.step, y[o], idx[o]);
  }
};

template <typename T>
struct ScatterAdd {  // output o adds into its plane's input at idx[o]
  const T* g;
  const int64_t* idx;
  PooledPlanes s;
  T* gx;
  __device__ void operator()(int64_t o) const {
    if (in_plane_index(idx[o], s.in_plane)) atomicAdd(gx + o / s.out_plane * s.in_plane + idx[o], g[o]);
  }
};

template <typename T>
struct Gather {
  const T* x;
  const int64_t* idx;
  PooledPlanes s;
  T* y;
  __device__ void operator()(int64_t o) const {
    y[o] = in_plane_index(idx[o], s.in_plane) ? x[o / s.out_plane * s.in_plane + idx[o]] : T(0);
  }
};

}  // namespace

void max_pool(DType dtype, const void* x, const PlaneShape& s, const DeviceWindows& rows, const DeviceWindows& cols,
              void* y, int64_t* idx) {
  with_dtype(dtype, [&](auto t) {
    using T = decltype(t);
    if constexpr (!std::is_same_v<T, bool>) {
      launch_indexed("max_pool", s.planes * rows.outputs * cols.outputs,
                     WindowMax<T>{static_cast<const T*>(x), s, rows, cols, static_cast<T*>(y), idx});
    }
  });
}

void max_pool_backward(DType dtype, const void* g, const int64_t* idx, const PooledPlanes& s, void* gx) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    launch_indexed("max_pool_backward", s.planes * s.out_plane,
                   ScatterAdd<T>{static_cast<const T*>(g), idx, s, static_cast<T*>(gx)});
  });
}

void max_pool_gather(DType dtype, const void* x, const int64_t* idx, const PooledPlanes& s, void* y) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    launch_indexed("max_pool_double_backward", s.planes * s.out_plane,
                   Gather<T>{static_cast<const T*>(x), idx, s, static_cast<T*>(y)});
  });
}

}  // namespace cr::cuda
