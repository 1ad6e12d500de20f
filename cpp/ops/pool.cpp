// Max and average pooling with PyTorch's window rules: output size
// floor((in + 2p - d(k - 1) - 1 [+ s - 1 with ceil_mode]) / s) + 1, where with ceil_mode the last
// window must start inside the input or the left padding; padding at most half the kernel. Max
// pooling runs one kernel over per-axis windows (shared with adaptive max pooling); average
// pooling is a separable linear map (ops/separable.h) whose per-axis weights carry the divisor.
#include "ops/pool.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "autograd/record.h"
#include "cpu/parallel.h"
#include "ops/copy.h"
#include "ops/planes.h"
#include "ops/separable.h"

namespace cr {

namespace {

// "(2, 3)" for error messages.
std::string list_str(const IntList& v) { return str_cat(Shape(v)); }

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

struct PoolArgs {
  IntList kernel, stride, padding, dilation;
  bool ceil_mode = false;
};

int64_t pooled_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  int64_t out = floor_div(in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0), s) + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;  // the last window must start inside
  return out;
}

bool all_positive(const IntList& v) { return std::all_of(v.begin(), v.end(), [](int64_t i) { return i > 0; }); }

// Validates the arguments and the input; returns the output's spatial sizes.
IntList pool_output_sizes(const Tensor& x, int spatial, const PoolArgs& a, const char* op, bool allow_int) {
  for (const IntList* v : {&a.kernel, &a.stride, &a.padding, &a.dilation}) {
    CR_CHECK(static_cast<int>(v->size()) == spatial, ValueError, op, ": kernel_size, stride, padding and dilation ",
             "must have ", spatial, " entries each, got kernel_size ", list_str(a.kernel), ", stride ",
             list_str(a.stride), ", padding ", list_str(a.padding), ", dilation ", list_str(a.dilation));
  }
  for (const IntList* v : {&a.kernel, &a.stride, &a.padding, &a.dilation}) {
    for (int64_t i : *v) {
      CR_CHECK(i <= std::numeric_limits<int32_t>::max(), RuntimeError, op, ": kernel_size, stride, padding and ",
               "dilation must be at most 2147483647 (a 32-bit int, as in PyTorch), got kernel_size ",
               list_str(a.kernel), ", stride ", list_str(a.stride), ", padding ", list_str(a.padding), ", dilation ",
               list_str(a.dilation));
    }
  }
  CR_CHECK(all_positive(a.kernel), RuntimeError, op, ": kernel_size must be greater than zero, got ", list_str(a.kernel));
  CR_CHECK(all_positive(a.stride), RuntimeError, op, ": stride must be greater than zero, got ", list_str(a.stride));
  CR_CHECK(all_positive(a.dilation), RuntimeError, op, ": dilation must be greater than zero, got ",
           list_str(a.dilation));
  for (int i = 0; i < spatial; ++i) {
    CR_CHECK(a.padding[i] >= 0, RuntimeError, op, ": padding must be non-negative, got ", list_str(a.padding));
    CR_CHECK(a.padding[i] <= a.kernel[i] / 2, RuntimeError, op, ": padding should be at most half of kernel_size, ",
             "got padding ", list_str(a.padding), " and kernel_size ", list_str(a.kernel));
  }
  check_pool_input(x, spatial, op, allow_int);
  IntList out(spatial);
  for (int i = 0; i < spatial; ++i) {
    const int64_t in = x->size(x->dim() - spatial + i);
    out[i] = pooled_size(in, a.kernel[i], a.stride[i], a.padding[i], a.dilation[i], a.ceil_mode);
    CR_CHECK(out[i] >= 1, ValueError, op, ": input of shape ", x->sizes(), " is too small for kernel_size ",
             list_str(a.kernel), ", stride ", list_str(a.stride), ", padding ", list_str(a.padding), " and dilation ",
             list_str(a.dilation), ": the output would have size ", out[i], " along dim ", x->dim() - spatial + i);
  }
  return out;
}

// The windows of output 0 .. out-1 along an axis of `in` inputs: start i*s - p, k taps d apart,
// the ones outside the input dropped (PyTorch's: the first tap moves right by d while negative).
// A window whose taps all miss the input (dilation steps over it) reads nothing: count 0, value
// -inf and PyTorch's index (its first tap past the input), through which no gradient flows.
AxisWindows max_axis(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p, int64_t d) {
  AxisWindows w;
  w.step = d;
  w.stride = s;
  for (int64_t i = 0; i < out; ++i) {
    int64_t start = i * s - p;
    const int64_t end = std::min(start + (k - 1) * d + 1, in);
    const bool whole = start >= 0 && end == start + (k - 1) * d + 1;
    if (start < 0) start += (-start + d - 1) / d * d;  // the first tap at or after 0
    w.first.push_back(start);
    w.count.push_back(end > start ? (end - start + d - 1) / d : 0);
    if (whole && w.uniform_end == w.uniform_begin) w.uniform_begin = i, w.uniform_end = i + 1;
    else if (whole && w.uniform_end == i) w.uniform_end = i + 1;
  }
  return w;
}

// Average pooling weights along an axis: output i averages inputs [max(start, 0), min(end, in)),
// where start = i*s - p and end = min(start + k, in + p); the divisor is the window with its
// padding (count_include_pad), without it, or `divisor` when given. An empty window gives 0.
AxisMap avg_axis(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p, bool count_include_pad,
                 std::optional<int64_t> divisor) {
  AxisMap m(in);
  for (int64_t i = 0; i < out; ++i) {
    const int64_t start = i * s - p, end = std::min(start + k, in + p);
    const int64_t lo = std::max<int64_t>(start, 0), hi = std::min(end, in);
    const double div = divisor ? static_cast<double>(*divisor) : static_cast<double>(count_include_pad ? end - start : hi - lo);
    for (int64_t r = lo; r < hi; ++r) m.tap(r, 1.0 / div);
    m.end_output();
  }
  return m;
}

template <typename T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

template <typename T>
T lowest() {
  if constexpr (std::is_floating_point_v<T>) return -std::numeric_limits<T>::infinity();
  else return std::numeric_limits<T>::lowest();
}

// The max of output j's window in one output row (rows r0, r0 + rows.step, ... nr of them).
template <typename T>
void max_window(const T* xp, T* y, int64_t* idx, int64_t j, int64_t w, int64_t r0, int64_t nr, int64_t row_step,
                const AxisWindows& cols) {
  const int64_t c0 = cols.first[j], nc = cols.count[j];
  T best = lowest<T>();
  int64_t best_at = r0 * w + c0;
  for (int64_t a = 0; a < nr; ++a) {
    const int64_t row_at = (r0 + a * row_step) * w;
    for (int64_t c = c0; c < c0 + nc * cols.step; c += cols.step) {
      const T v = xp[row_at + c];
      const bool take = (v > best) | is_nan(v);  // branch-free: random data mispredicts
      best = take ? v : best;
      best_at = take ? row_at + c : best_at;
    }
  }
  y[j] = best;
  idx[j] = best_at;
}

// The outputs [b, e) of one output row whose windows are whole and cols.stride apart: the same
// taps in the same order as max_window, but each tap across all of them at once (vectorizes).
template <typename T>
void max_uniform_windows(const T* xp, T* y, int64_t* idx, int64_t b, int64_t e, int64_t w, int64_t r0, int64_t nr,
                         int64_t row_step, const AxisWindows& cols) {
  const int64_t n = e - b, s = cols.stride, c0 = cols.first[b];
  T* yb = y + b;
  int64_t* ib = idx + b;
  for (int64_t k = 0; k < n; ++k) yb[k] = lowest<T>(), ib[k] = r0 * w + c0 + k * s;
  for (int64_t a = 0; a < nr; ++a) {
    for (int64_t t = 0; t < cols.count[b]; ++t) {
      const int64_t at = (r0 + a * row_step) * w + c0 + t * cols.step;
#pragma omp simd
      for (int64_t k = 0; k < n; ++k) {
        const T v = xp[at + k * s];
        const bool take = (v > yb[k]) | is_nan(v);
        yb[k] = take ? v : yb[k];
        ib[k] = take ? at + k * s : ib[k];
      }
    }
  }
}

// x is (P, H, W) contiguous; y and idx are (P, Ho, Wo) with Ho = rows.first.size().
template <typename T>
void max_pool_kernel(const T* x, T* y, int64_t* idx, int64_t planes, int64_t h, int64_t w, const AxisWindows& rows,
                     const AxisWindows& cols) {
  const int64_t ho = static_cast<int64_t>(rows.first.size()), wo = static_cast<int64_t>(cols.first.size());
  const int64_t ub = cols.uniform_begin, ue = cols.uniform_end;
  auto run = [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      const T* xp = x + p * h * w;
      for (int64_t i = 0; i < ho; ++i) {
        T* yr = y + (p * ho + i) * wo;
        int64_t* ir = idx + (p * ho + i) * wo;
        const int64_t r0 = rows.first[i], nr = rows.count[i];
        for (int64_t j = 0; j < ub; ++j) max_window(xp, yr, ir, j, w, r0, nr, rows.step, cols);
        if (ue > ub) max_uniform_windows(xp, yr, ir, ub, ue, w, r0, nr, rows.step, cols);
        for (int64_t j = std::max(ub, ue); j < wo; ++j) max_window(xp, yr, ir, j, w, r0, nr, rows.step, cols);
      }
    }
  };
  const int64_t plane_work = h * w + ho * wo;
  if (cpu::should_parallelize(planes * plane_work)) {
    cpu::parallel_for(0, planes, std::max<int64_t>(1, cpu::kMinChunk / std::max<int64_t>(plane_work, 1)), run);
  } else {
    run(0, planes);
  }
}

PoolArgs pool_args(const IntList& kernel, const IntList& stride, const IntList& padding, const IntList& dilation,
                   bool ceil_mode) {
  return PoolArgs{kernel, stride.empty() ? kernel : stride, padding, dilation, ceil_mode};
}

std::pair<Tensor, Tensor> max_pool_impl(const Tensor& x, int spatial, const PoolArgs& a, const char* op,
                                        const char* node, bool allow_int) {
  const IntList out = pool_output_sizes(x, spatial, a, op, allow_int);
  const PlaneLayout l = plane_layout(x, spatial);
  const int o = spatial - 1;  // the width's entry in the per-dim lists
  const AxisWindows cols = max_axis(l.width, out[o], a.kernel[o], a.stride[o], a.padding[o], a.dilation[o]);
  if (spatial == 1) return max_pool_windows(x, 1, nullptr, cols, op, node);
  const AxisWindows rows = max_axis(l.height, out[0], a.kernel[0], a.stride[0], a.padding[0], a.dilation[0]);
  return max_pool_windows(x, 2, &rows, cols, op, node);
}

Tensor avg_pool_impl(const Tensor& x, int spatial, const PoolArgs& a, bool count_include_pad,
                     std::optional<int64_t> divisor_override, const char* op, const char* node,
                     const char* adjoint_node) {
  CR_CHECK(!divisor_override || *divisor_override != 0, RuntimeError, op, ": divisor_override must not be zero");
  const IntList out = pool_output_sizes(x, spatial, a, op, false);
  const PlaneLayout l = plane_layout(x, spatial);
  const int o = spatial - 1;
  SeparableMap map;
  map.spatial = spatial;
  map.op = op;
  map.node = node;
  map.adjoint_node = adjoint_node;
  // The divisor goes on the width's weights; the height's are then 1 (divisor_override) or their own.
  map.cols = std::make_shared<const AxisMap>(
      avg_axis(l.width, out[o], a.kernel[o], a.stride[o], a.padding[o], count_include_pad, divisor_override));
  if (spatial == 2) {
    const std::optional<int64_t> unit = divisor_override ? std::optional<int64_t>(1) : std::nullopt;
    map.rows = std::make_shared<const AxisMap>(
        avg_axis(l.height, out[0], a.kernel[0], a.stride[0], a.padding[0], count_include_pad, unit));
  }
  return apply_separable(x, map);
}

// The indices the backward scatters through: idx, with -1 (no gradient) at the windows that read
// nothing. Those keep PyTorch's index in the returned indices, which may fall inside the plane.
Tensor gradient_indices(const Tensor& idx, const AxisWindows& rows, const AxisWindows& cols) {
  auto empty = [](const AxisWindows& w) { return std::find(w.count.begin(), w.count.end(), 0) != w.count.end(); };
  if (!empty(rows) && !empty(cols)) return idx;
  Tensor out = clone(idx);
  const int64_t ho = static_cast<int64_t>(rows.count.size()), wo = static_cast<int64_t>(cols.count.size());
  int64_t* ip = out->data<int64_t>();
  for (int64_t o = 0; o < out->numel(); ++o) {
    if (rows.count[o / wo % ho] == 0 || cols.count[o % wo] == 0) ip[o] = -1;
  }
  return out;
}

}  // namespace

void check_pool_input(const Tensor& x, int spatial, const char* op, bool allow_int) {
  cpu_kernels_device(op, {&x});
  CR_CHECK(is_floating(x->dtype()) || (allow_int && x->dtype() == DType::Int64), TypeError, op, ": expected a ",
           allow_int ? "float32, float64 or int64" : "float32 or float64", " input, got a ", describe(x));
  const int64_t nd = x->dim();
  CR_CHECK(nd == spatial + 1 || nd == spatial + 2, RuntimeError, op, ": expected a ", spatial + 1, "-d (unbatched) or ",
           spatial + 2, "-d (batched) input, got a ", describe(x));
  for (int64_t d = nd == spatial + 2 ? 1 : 0; d < nd; ++d) {
    CR_CHECK(x->size(d) > 0, RuntimeError, op, ": expected an input with non-zero sizes except the batch dim, got ",
             "shape ", x->sizes(), " (dim ", d, " is empty)");
  }
}

std::pair<Tensor, Tensor> max_pool_windows(const Tensor& x, int spatial, const AxisWindows* rows,
                                           const AxisWindows& cols, const char* op, const char* node) {
  const PlaneLayout l = plane_layout(x, spatial);
  const AxisWindows single_row{{0}, {1}, 1};
  const AxisWindows& r = rows ? *rows : single_row;
  const int64_t ho = static_cast<int64_t>(r.first.size()), wo = static_cast<int64_t>(cols.first.size());
  Tensor y = TensorImpl::empty(l.with_spatial(ho, wo), x->dtype(), x->device());
  Tensor idx = TensorImpl::empty(l.with_spatial(ho, wo), DType::Int64, x->device());
  {
    GradModeGuard no_record(false);
    const Tensor xc = contiguous(x);
    CR_DISPATCH_NUMERIC(x->dtype(), op, [&] {
      if (y->numel() == 0) return;
      max_pool_kernel<scalar_t>(xc->data<scalar_t>(), y->data<scalar_t>(), idx->data<int64_t>(), l.planes, l.height,
                                l.width, r, cols);
    });
  }
  if (needs_grad({&x})) {
    record(node, {x}, {y},
           [sidx = SavedTensor(gradient_indices(idx, r, cols), false), sizes = x->sizes(), spatial](
               const TensorList& g, const Node& n) -> TensorList {
             return {max_pool_backward(g[0], sidx.unpack(n), sizes, spatial)};
           });
  }
  return {y, idx};
}

std::pair<Tensor, Tensor> max_pool1d_with_indices(const Tensor& x, const IntList& kernel, const IntList& stride,
                                                  const IntList& padding, const IntList& dilation, bool ceil_mode) {
  return max_pool_impl(x, 1, pool_args(kernel, stride, padding, dilation, ceil_mode), "max_pool1d",
                       "MaxPool1DWithIndicesBackward0", false);
}

std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, const IntList& kernel, const IntList& stride,
                                                  const IntList& padding, const IntList& dilation, bool ceil_mode) {
  return max_pool_impl(x, 2, pool_args(kernel, stride, padding, dilation, ceil_mode), "max_pool2d",
                       "MaxPool2DWithIndicesBackward0", true);
}

Tensor avg_pool1d(const Tensor& x, const IntList& kernel, const IntList& stride, const IntList& padding,
                  bool ceil_mode, bool count_include_pad) {
  return avg_pool_impl(x, 1, pool_args(kernel, stride, padding, IntList{1}, ceil_mode), count_include_pad,
                       std::nullopt, "avg_pool1d", "AvgPool1DBackward0", "AvgPool1DBackwardBackward0");
}

Tensor avg_pool2d(const Tensor& x, const IntList& kernel, const IntList& stride, const IntList& padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  return avg_pool_impl(x, 2, pool_args(kernel, stride, padding, IntList{1, 1}, ceil_mode), count_include_pad,
                       divisor_override, "avg_pool2d", "AvgPool2DBackward0", "AvgPool2DBackwardBackward0");
}

}  // namespace cr
