// cumsum on a GPU (cuda/cumsum.h): one thread per line of the (outer, n, inner) buffer, each
// running down its n elements serially with the CPU's formula (core/cumsum_formula.h), so the GPU
// adds in the CPU's order. Parallel over outer * inner lines; a single very long line is one
// thread's work (a block scan would be faster there, and would round differently).
#include "cuda/cumsum.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

template <typename T>
struct CumsumLine {  // line i: column i % inner of block i / inner
  T* data;
  CumsumShape s;
  __device__ void operator()(int64_t i) const {
    T* first = data + (i / s.inner) * s.n * s.inner + i % s.inner;
    if (s.inner == 1) {
      running_sum<CumsumAccumulator<T>>(first, s.n, 1);
    } else {
      running_sum<T>(first, s.n, s.inner);
    }
  }
};

}  // namespace

template <typename T>
void cumsum_in_place(T* data, const CumsumShape& s) {
  launch_indexed("cumsum", s.outer * s.inner, CumsumLine<T>{data, s});
}

template void cumsum_in_place<float>(float*, const CumsumShape&);
template void cumsum_in_place<double>(double*, const CumsumShape&);
template void cumsum_in_place<int64_t>(int64_t*, const CumsumShape&);

}  // namespace cr::cuda
