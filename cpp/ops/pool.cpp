// Max and average pooling with PyTorch's window rules: output size
// floor((in + 2p - d(k - 1) - 1 [+ s - 1 with ceil_mode]) / s) + 1, where with ceil_mode the last
// window must start inside the input or the left padding; padding at most half the kernel. Max
// pooling runs the kernel of cpu/pool.h over per-axis windows (shared with adaptive max pooling);
// average pooling is a separable linear map (ops/separable.h) whose per-axis weights carry the divisor.
#include "ops/pool.h"

#include <algorithm>
#include <limits>

#include "autograd/record.h"
#include "core/division_formulas.h"
#include "cuda/pool.h"
#include "ops/copy.h"
#include "ops/device_tables.h"
#include "ops/elementwise.h"
#include "ops/float32_staging.h"
#include "ops/planes.h"
#include "ops/separable.h"

namespace cr {

namespace {

// "(2, 3)" for error messages.
std::string list_str(const IntList& v) { return str_cat(Shape(v)); }

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
  const int64_t ho = static_cast<int64_t>(rows.count.size()), wo = static_cast<int64_t>(cols.count.size());
  Tensor reads_nothing = TensorImpl::empty({ho, wo}, DType::Bool, kCpu);  // broadcast over the planes
  for (int64_t o = 0; o < ho * wo; ++o) reads_nothing->data<bool>()[o] = rows.count[o / wo] == 0 || cols.count[o % wo] == 0;
  return where(to_device(reads_nothing, idx->device()), Scalar(int64_t{-1}), idx);
}

// The windows of one axis on a GPU (first, then count), and the kernel's view of them.
cuda::DeviceWindows upload(const AxisWindows& w, Device device, Tensor& table) {
  std::vector<int64_t> values(w.first);
  values.insert(values.end(), w.count.begin(), w.count.end());
  table = device_table(values, device);
  const auto* d = static_cast<const int64_t*>(table->device_data());
  const auto outputs = static_cast<int64_t>(w.first.size());
  return {d, d + outputs, outputs, w.step};
}

}  // namespace

void check_pool_input(const Tensor& x, int spatial, const char* op, bool allow_int) {
  CR_CHECK(is_floating(x->dtype()) || (allow_int && is_integral(x->dtype())), DTypeError, op, ": expected a ",
           allow_int ? "float or integer" : "float32 or float64", " input, got a ", describe(x));
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
    auto launch = [&](const Tensor& out, const Tensor& xc) {
      if (!out->device().is_cpu()) {  // the family's dispatch point
        Tensor row_table, col_table;
        cuda::max_pool(out->dtype(), xc->device_data(), l.shape(), upload(r, out->device(), row_table),
                       upload(cols, out->device(), col_table), out->device_data(),
                       static_cast<int64_t*>(idx->device_data()));
      } else CR_DISPATCH_NUMERIC(out->dtype(), op, [&] {
        if (out->numel() == 0) return;
        cpu::max_pool(xc->data<scalar_t>(), l.shape(), r, cols, out->data<scalar_t>(), idx->data<int64_t>());
      });
    };
    if (!staged_in_float32(y, launch, xc)) launch(y, xc);
  }
  y = in_inputs_format(y, {&x});
  if (needs_grad({&x})) {
    record(node, {x}, {y},
           [sidx = SavedTensor(gradient_indices(idx, r, cols), false), sizes = x->sizes(), spatial](
               const TensorList& g, const Node& n) -> TensorList {
             return {max_pool_backward(g[0], sidx.unpack(n), sizes, spatial)};
           });
  }
  return {y, in_inputs_format(idx, {&x})};
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
