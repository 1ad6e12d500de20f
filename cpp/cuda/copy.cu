// The strided, converting copy on a GPU (cuda/copy.h), on the shared strided loop.
#include <type_traits>

#include "cuda/copy.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

template <typename To, typename From>
struct ConvertElement {
  __device__ void operator()(char** p) const {
    const From v = *reinterpret_cast<const From*>(p[1]);
    if constexpr (std::is_same_v<To, bool>) *reinterpret_cast<To*>(p[0]) = v != From(0);
    else *reinterpret_cast<To*>(p[0]) = static_cast<To>(v);
  }
};

}  // namespace

void copy_kernel(const Shape& shape, const StridedOperand& dst, DType dst_dtype, const StridedOperand& src,
                 DType src_dtype) {
  with_dtype(dst_dtype, [&](auto to) {
    with_dtype(src_dtype, [&](auto from) {
      launch_elementwise<2>("copy_", shape, {&dst, &src}, ConvertElement<decltype(to), decltype(from)>{});
    });
  });
}

}  // namespace cr::cuda
