// PyTorch's output layout for elementwise ops (core/output_layout.h).
#include "core/output_layout.h"

#include <algorithm>
#include <utility>

namespace cr {

namespace {

// -1 when dim0 should stay inside dim1 (nearer the innermost), 1 when they should swap, 0 when no
// input can tell: TensorIterator's should_swap.
int compare_dims(const Shape& sizes, const std::vector<Shape>& inputs, size_t dim0, size_t dim1) {
  for (const Shape& strides : inputs) {
    const int64_t s0 = strides[dim0], s1 = strides[dim1];
    if (s0 == 0 || s1 == 0) continue;  // broadcast in this input: the next one decides
    if (s0 < s1) return -1;
    if (s0 > s1) return 1;
    if (sizes[dim0] > sizes[dim1]) return 1;  // equal strides: the smaller size goes inside
  }
  return 0;
}

}  // namespace

Shape elementwise_output_strides(const Shape& sizes, const std::vector<Shape>& input_strides) {
  const size_t nd = sizes.size();
  const bool all_contiguous = std::all_of(input_strides.begin(), input_strides.end(),
                                          [&](const Shape& s) { return is_row_major(sizes, s); });
  if (nd < 2 || all_contiguous || shape_numel(sizes) == 0) return contiguous_strides(sizes);
  // order[0] is the innermost dim; an insertion sort that leaves ambiguous pairs as they are.
  std::vector<size_t> order(nd);
  for (size_t i = 0; i < nd; ++i) order[i] = nd - 1 - i;
  for (size_t i = 1; i < nd; ++i) {
    size_t dim1 = i;
    for (size_t dim0 = i; dim0-- > 0;) {
      const int comparison = compare_dims(sizes, input_strides, order[dim0], order[dim1]);
      if (comparison > 0) {
        std::swap(order[dim0], order[dim1]);
        dim1 = dim0;
      } else if (comparison < 0) {
        break;
      }
    }
  }
  Shape strides(nd);
  int64_t stride = 1;
  for (size_t dim : order) {
    strides[dim] = stride;
    stride *= std::max<int64_t>(sizes[dim], 1);
  }
  return strides;
}

}  // namespace cr
