// The separable map on a GPU (cuda/separable.h): one thread per output element.
#include "cuda/separable.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

template <typename T>
struct SeparableOutput {  // output (p, i, j)
  const T* x;
  PlaneShape s;
  DeviceAxisMap rows, cols;  // rows.start null: the identity over the height
  int64_t out_height;
  T* out;

  // Row r of plane xp through output column j's taps.
  __device__ T column_taps(const T* xp, int64_t r, int64_t j) const {
    T sum = T(0);
    for (int64_t k = cols.start[j]; k < cols.start[j + 1]; ++k) sum += T(cols.weight[k]) * xp[r * s.width + cols.index[k]];
    return sum;
  }
  __device__ void operator()(int64_t o) const {
    const int64_t j = o % cols.out_size, i = o / cols.out_size % out_height, p = o / (cols.out_size * out_height);
    const T* xp = x + p * s.height * s.width;
    if (rows.start == nullptr) {
      out[o] = column_taps(xp, i, j);
      return;
    }
    T sum = T(0);
    for (int64_t k = rows.start[i]; k < rows.start[i + 1]; ++k) sum += T(rows.weight[k]) * column_taps(xp, rows.index[k], j);
    out[o] = sum;
  }
};

}  // namespace

void apply_separable(const char* op, DType dtype, const void* x, const PlaneShape& s, const DeviceAxisMap* rows,
                     const DeviceAxisMap& cols, void* out) {
  const DeviceAxisMap identity{nullptr, nullptr, nullptr, s.height};
  const DeviceAxisMap& r = rows ? *rows : identity;
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    launch_indexed(op, s.planes * r.out_size * cols.out_size,
                   SeparableOutput<T>{static_cast<const T*>(x), s, r, cols, r.out_size, static_cast<T*>(out)});
  });
}

}  // namespace cr::cuda
