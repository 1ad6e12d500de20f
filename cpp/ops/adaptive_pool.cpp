// Adaptive pooling: output i along an axis of `in` inputs pools inputs
// [floor(i * in / out), ceil((i + 1) * in / out)), as in PyTorch. The average is a separable
// linear map (ops/separable.h), to a single output a mean; the max runs the max-pool kernel over those windows.
#include <algorithm>
#include <memory>

#include "autograd/record.h"
#include "ops/planes.h"
#include "ops/pool.h"
#include "ops/reduce.h"
#include "ops/separable.h"

namespace cr {

namespace {

int64_t window_start(int64_t i, int64_t in, int64_t out) { return i * in / out; }
int64_t window_end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }

// Validates x and output_size (one entry >= 0 per spatial dim), and that a non-empty output fits.
PlaneLayout adaptive_layout(const Tensor& x, int spatial, const IntList& output_size, const char* op) {
  CR_CHECK(static_cast<int>(output_size.size()) == spatial, ValueError, op, ": output_size must have ", spatial,
           " entries, got ", Shape(output_size));
  for (int64_t s : output_size) {
    CR_CHECK(s >= 0, RuntimeError, op, ": output_size must be >= 0, got ", Shape(output_size));
  }
  check_pool_input(x, spatial, op, false);
  const PlaneLayout l = plane_layout(x, spatial);
  const int64_t h = spatial == 2 ? output_size[0] : 1, w = output_size.back();
  if (!plane_output_is_empty(l, h, w)) check_plane_output_fits(l, h, w, x->dtype(), op);
  return l;
}

// The output when it has no element: no window to build or pool, and a zero gradient for x.
Tensor empty_output(const Tensor& x, const PlaneLayout& l, const IntList& output_size, const char* node) {
  Tensor out = TensorImpl::empty(l.with_spatial(l.spatial == 2 ? output_size[0] : 1, output_size.back()),
                                 x->dtype(), x->device());
  record_zero_gradient(node, x, out);
  return out;
}

bool output_is_empty(const PlaneLayout& l, const IntList& output_size) {
  return plane_output_is_empty(l, l.spatial == 2 ? output_size[0] : 1, output_size.back());
}

AxisMap average_axis(int64_t in, int64_t out) {
  AxisMap m(in);
  for (int64_t i = 0; i < out; ++i) {
    const int64_t lo = window_start(i, in, out), hi = window_end(i, in, out);
    for (int64_t r = lo; r < hi; ++r) m.tap(r, 1.0 / static_cast<double>(hi - lo));
    m.end_output();
  }
  return m;
}

AxisWindows max_axis(int64_t in, int64_t out) {
  AxisWindows w;
  for (int64_t i = 0; i < out; ++i) {
    const int64_t lo = window_start(i, in, out);
    w.first.push_back(lo);
    w.count.push_back(window_end(i, in, out) - lo);
  }
  return w;
}

Tensor adaptive_avg_impl(const Tensor& x, int spatial, const IntList& output_size, const char* op, const char* node,
                         const char* adjoint_node) {
  const PlaneLayout l = adaptive_layout(x, spatial, output_size, op);
  if (output_is_empty(l, output_size)) return empty_output(x, l, output_size, node);
  if (std::all_of(output_size.begin(), output_size.end(), [](int64_t s) { return s == 1; })) {
    // Global average pooling is a mean over the spatial dims, as in PyTorch (MeanBackward1): one
    // reduction instead of the separable map's passes (7x faster for 32x256x14x14).
    return spatial == 2 ? mean(x, DimList(IntList{-2, -1}), true) : mean(x, DimList(IntList{-1}), true);
  }
  SeparableMap map;
  map.spatial = spatial;
  map.op = op;
  map.node = node;
  map.adjoint_node = adjoint_node;
  map.cols = std::make_shared<const AxisMap>(average_axis(l.width, output_size.back()));
  if (spatial == 2) map.rows = std::make_shared<const AxisMap>(average_axis(l.height, output_size[0]));
  return apply_separable(x, map);
}

std::pair<Tensor, Tensor> adaptive_max_impl(const Tensor& x, int spatial, const IntList& output_size, const char* op,
                                            const char* node) {
  const PlaneLayout l = adaptive_layout(x, spatial, output_size, op);
  if (output_is_empty(l, output_size)) {
    Tensor values = empty_output(x, l, output_size, node);
    return {values, TensorImpl::empty(values->sizes(), DType::Int64, x->device())};
  }
  const AxisWindows cols = max_axis(l.width, output_size.back());
  if (spatial == 1) return max_pool_windows(x, 1, nullptr, cols, op, node);
  const AxisWindows rows = max_axis(l.height, output_size[0]);
  return max_pool_windows(x, 2, &rows, cols, op, node);
}

}  // namespace

Tensor adaptive_avg_pool1d(const Tensor& x, const IntList& output_size) {
  return adaptive_avg_impl(x, 1, output_size, "adaptive_avg_pool1d", "AdaptiveAvgPool1DBackward0",
                           "AdaptiveAvgPool1DBackwardBackward0");
}

Tensor adaptive_avg_pool2d(const Tensor& x, const IntList& output_size) {
  return adaptive_avg_impl(x, 2, output_size, "adaptive_avg_pool2d", "AdaptiveAvgPool2DBackward0",
                           "AdaptiveAvgPool2DBackwardBackward0");
}

std::pair<Tensor, Tensor> adaptive_max_pool1d(const Tensor& x, const IntList& output_size) {
  return adaptive_max_impl(x, 1, output_size, "adaptive_max_pool1d", "AdaptiveMaxPool1DBackward0");
}

std::pair<Tensor, Tensor> adaptive_max_pool2d(const Tensor& x, const IntList& output_size) {
  return adaptive_max_impl(x, 2, output_size, "adaptive_max_pool2d", "AdaptiveMaxPool2DBackward0");
}

}  // namespace cr
