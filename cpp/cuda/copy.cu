// The strided, converting copy on a GPU (cuda/copy.h), on the shared strided loop.
#include "core/convert_formula.h"
#include "cuda/copy.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

template <typename To, typename From>
struct ConvertElement {
  __device__ void operator()(char** p) const {
    *reinterpret_cast<To*>(p[0]) = convert_value<To>(*reinterpret_cast<const From*>(p[1]));
  }
};

}  // namespace

void copy_kernel(const Shape& shape, const StridedOperand& dst, DType dst_dtype, const StridedOperand& src,
                 DType src_dtype) {
  with_storage_dtype(dst_dtype, [&](auto to) {
    with_storage_dtype(src_dtype, [&](auto from) {
      launch_elementwise<2>("copy_", shape, {&dst, &src}, ConvertElement<decltype(to), decltype(from)>{});
    });
  });
}

}  // namespace cr::cuda
