// The gather and scatter kernels declared in cpu/gather_scatter.h: the positions of index without
// `dim` are walked by the strided loop of cpu/loops.h, and each runs its line along dim.
#include "cpu/gather_scatter.h"

#include <array>
#include <type_traits>

#include "core/dtype.h"  // CR_SMALL_INTEGER_TYPES
#include "cpu/loops.h"

namespace cr::cpu {

namespace {

Shape without(const Shape& s, int64_t dim) {
  Shape out = s;
  out.erase(static_cast<size_t>(dim));
  return out;
}

// Calls line(written, index, read) once per position of s.sizes without s.dim, with the three
// operands' pointers at that position with coordinate 0 along dim.
template <typename W, typename R, typename Line>
void for_each_line(W* written, const int64_t* index, const R* read, const DimIndexShape& s, const Line& line) {
  std::array<Shape, 3> outer_strides;
  for (int k = 0; k < 3; ++k) outer_strides[k] = without(s.strides[k], s.dim);
  const std::array<char*, 3> base{reinterpret_cast<char*>(written),
                                  reinterpret_cast<char*>(const_cast<int64_t*>(index)),
                                  reinterpret_cast<char*>(const_cast<R*>(read))};
  const std::array<int64_t, 3> item{sizeof(W), sizeof(int64_t), sizeof(R)};
  auto plan = make_plan<3>(without(s.sizes, s.dim), base, item, outer_strides);
  for_each_row(plan, [&](char** p, const int64_t* step, int64_t n) {
    std::array<char*, 3> ptr;
    for (int64_t i = 0; i < n; ++i) {
      for (int k = 0; k < 3; ++k) ptr[k] = p[k] + i * step[k];
      line(reinterpret_cast<W*>(ptr[0]), reinterpret_cast<const int64_t*>(ptr[1]), reinterpret_cast<const R*>(ptr[2]));
    }
  });
}

}  // namespace

template <typename T>
void gather_kernel(T* out, const int64_t* index, const T* input, const DimIndexShape& s) {
  const int64_t n = s.sizes[s.dim], out_step = s.strides[0][s.dim], index_step = s.strides[1][s.dim],
                input_step = s.strides[2][s.dim];
  for_each_line(out, index, input, s, [=](T* o, const int64_t* idx, const T* in) {
    for (int64_t j = 0; j < n; ++j) o[j * out_step] = in[idx[j * index_step] * input_step];
  });
}

template <typename T>
void scatter_kernel(T* self, const int64_t* index, const T* src, const DimIndexShape& s, bool accumulate) {
  const int64_t n = s.sizes[s.dim], self_step = s.strides[0][s.dim], index_step = s.strides[1][s.dim],
                src_step = s.strides[2][s.dim];
  for_each_line(self, index, src, s, [=](T* out, const int64_t* idx, const T* val) {
    for (int64_t j = 0; j < n; ++j) {
      T& target = out[idx[j * index_step] * self_step];
      if constexpr (std::is_same_v<T, bool>) target = val[j * src_step];
      else target = accumulate ? target + val[j * src_step] : val[j * src_step];
    }
  });
}

#define CR_GATHER_SCATTER_INSTANTIATE(T)                                                  \
  template void gather_kernel<T>(T*, const int64_t*, const T*, const DimIndexShape&);    \
  template void scatter_kernel<T>(T*, const int64_t*, const T*, const DimIndexShape&, bool);
CR_GATHER_SCATTER_INSTANTIATE(float)
CR_GATHER_SCATTER_INSTANTIATE(double)
CR_GATHER_SCATTER_INSTANTIATE(int64_t)
CR_SMALL_INTEGER_TYPES(CR_GATHER_SCATTER_INSTANTIATE)
CR_GATHER_SCATTER_INSTANTIATE(bool)
#undef CR_GATHER_SCATTER_INSTANTIATE

}  // namespace cr::cpu
