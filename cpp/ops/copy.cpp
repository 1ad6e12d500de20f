// copy_ and the ops built on it: every dtype-to-dtype conversion goes through one strided kernel.
#include "ops/copy.h"

#include <algorithm>
#include <initializer_list>

#include "autograd/record.h"
#include "core/convert_formula.h"
#include "core/output_layout.h"
#include "cuda/copy.h"
#include "ops/deferred_checks.h"
#include "ops/elementwise_kernels.h"
#include "ops/view.h"
#include "cpu/reduced_float_copy.h"
#include "cpu/transposed_copy.h"

namespace cr {

// dst = src converted to dst's dtype, src (on dst's device) broadcast to dst's shape; no autograd.
// The family's dispatch point: the GPU's copy kernel or the CPU's loop; nothing to write on meta.
void copy_values(const Tensor& dst, const Tensor& src) {
  const Shape& shape = dst->sizes();
  if (dst->device().is_meta()) return;
  if (!dst->device().is_cpu()) {
    return cuda::copy_kernel(shape, device_operand(dst, shape), dst->dtype(), device_operand(src, shape), src->dtype());
  }
  const bool straight = dst->is_contiguous() && src->is_contiguous() && src->numel() == dst->numel();
  if (straight && src->dtype() == DType::Float16 && dst->dtype() == DType::Float32) {  // 16-bit ops' staging
    return cpu::half_to_float(src->data<Half>(), dst->data<float>(), dst->numel());
  }
  if (straight && src->dtype() == DType::Float32 && dst->dtype() == DType::Float16) {
    return cpu::float_to_half(src->data<float>(), dst->data<Half>(), dst->numel());
  }
  if (src->dtype() == dst->dtype()) {  // a move, bit for bit (a 16-bit NaN keeps its payload)
    if (!straight) {  // a transpose's plan only: a straight copy skips the extra planning
      const StridedOperand to = strided_operand(dst, shape), from = strided_operand(src, shape);
      if (cpu::copy_transposed(make_plan<2>(shape, {&to, &from}))) return;
    }
    return CR_DISPATCH_ALL(moved_as(dst->dtype()), "copy_", [&] {
      unary_kernel<scalar_t, scalar_t>(dst, src, [](scalar_t v) { return v; });
    });
  }
  CR_DISPATCH_STORAGE(dst->dtype(), "copy_", [&] {
    using dst_t = scalar_t;
    CR_DISPATCH_STORAGE(src->dtype(), "copy_", [&] {  // a 16-bit source is read as float32 (exact)
      unary_kernel<dst_t, scalar_t>(dst, src, [](auto v) { return convert_value<dst_t>(v); });
    });
  });
}

void copy_(const Tensor& dst, const Tensor& src) {
  CR_CHECK(broadcast_shapes(src->sizes(), dst->sizes(), "copy_") == dst->sizes(), ValueError,
           "copy_: source of shape ", src->sizes(), " does not broadcast to destination shape ", dst->sizes());
  if (in_place_needs_grad(dst, {&src}, "copy_")) {  // dst's old values get no gradient; src gets it all
    return rebase_history(dst, to_dtype(clone(expand(src, dst->sizes())), dst->dtype()));
  }
  Tensor source = src->device() == dst->device() ? src : to_device(src, dst->device());
  if (may_alias(dst, source) && dst.get() != source.get()) source = clone(source);
  copy_values(dst, source);
  dst->bump_version();
}

Tensor to_dtype(const Tensor& t, DType dtype) {
  return t->dtype() == dtype ? t : copy_in_format(t, dtype, MemoryFormat::Contiguous);
}

Tensor to_device(const Tensor& t, Device device) {
  device = resolve_device(device);
  if (t->device() == device) return t;
  check_device_available(device, "to");
  CR_CHECK(!t->device().is_meta(), NotImplementedError, "Cannot copy out of meta tensor; no data! Please consider "
           "using torch.nn.Module.to_empty() instead of torch.nn.Module.to() when moving module from meta to a "
           "different device.");
  if (device.is_cpu()) raise_deferred_checks();  // this copy waits for the GPU anyway: report its failed checks
  Tensor out = TensorImpl::empty(t->sizes(), t->dtype(), device);
  if (!device.is_meta()) {  // a meta copy has a shape and no values
    const Tensor source = contiguous(t);  // on t's own device (the GPU has a copy kernel)
    copy_device_bytes(out->device_data(), source->device_data(), static_cast<size_t>(t->numel()) * itemsize(t->dtype()));
  }
  if (needs_grad({&t})) {
    const Device from = t->device();
    record("ToCopyBackward0", {t}, {out}, [from](const TensorList& g, const Node&) -> TensorList {
      return {to_device(g[0], from)};
    });
  }
  return out;
}

Tensor to_host(const Tensor& t) { return t->device().is_cpu() ? t : to_device(t, kCpu); }

Tensor contiguous(const Tensor& t) { return t->is_contiguous() ? t : clone(t); }

Tensor clone(const Tensor& t) { return copy_in_format(t, t->dtype(), MemoryFormat::Contiguous); }

namespace {

// Dense strides with the dims of `order` from innermost to outermost.
Shape dense_strides_in_order(const Shape& sizes, std::initializer_list<int64_t> order) {
  Shape strides(sizes.size());
  int64_t stride = 1;
  for (int64_t d : order) {
    strides[d] = stride;
    stride *= std::max<int64_t>(sizes[d], 1);
  }
  return strides;
}

Shape format_strides(const Tensor& t, MemoryFormat format) {
  switch (format) {
    case MemoryFormat::Preserve: return elementwise_output_strides(t->sizes(), {t->strides()});
    case MemoryFormat::ChannelsLast: return dense_strides_in_order(t->sizes(), {1, 3, 2, 0});
    case MemoryFormat::ChannelsLast3d: return dense_strides_in_order(t->sizes(), {1, 4, 3, 2, 0});
    case MemoryFormat::Contiguous: break;
  }
  return contiguous_strides(t->sizes());
}

}  // namespace

bool is_in_format(const Tensor& t, MemoryFormat format) {
  if (format == MemoryFormat::Preserve) return true;
  const Shape wanted = format_strides(t, format);
  for (int64_t d = 0; d < t->dim(); ++d) {
    if (t->size(d) != 1 && t->stride(d) != wanted[d]) return false;  // a size-1 dim's stride is free
  }
  return true;
}

Tensor copy_in_format(const Tensor& t, DType dtype, MemoryFormat format) {
  const DType from = t->dtype();
  Tensor out = TensorImpl::empty_dense(t->sizes(), format_strides(t, format), dtype, t->device(),
                                       from == dtype ? "clone" : "to");
  copy_values(out, t);
  if (needs_grad({&t}) && is_floating(dtype)) {
    record(from == dtype ? "CloneBackward0" : "ToCopyBackward0", {t}, {out},
           [from](const TensorList& g, const Node&) -> TensorList { return {to_dtype(g[0], from)}; });
  }
  return out;
}

namespace {

// PyTorch's is_channels_last_strides_2d/3d: dims in `order` (innermost first) with rising strides.
bool has_channels_last_strides(const Tensor& t, std::initializer_list<int64_t> order) {
  if (t->stride(1) == 0) return false;
  int64_t least = 0;
  for (int64_t d : order) {
    if (t->size(d) == 0 || t->stride(d) < least) return false;
    if (d == 0 && least == t->stride(1)) return false;  // N111-like: ambiguous, row-major by default
    least = t->stride(d) * (t->size(d) > 1 ? t->size(d) : 1);
  }
  return true;
}

}  // namespace

MemoryFormat suggested_memory_format(const Tensor& t) {
  if (t->dim() == 4 && has_channels_last_strides(t, {1, 3, 2, 0})) return MemoryFormat::ChannelsLast;
  if (t->dim() == 5 && has_channels_last_strides(t, {1, 4, 3, 2, 0})) return MemoryFormat::ChannelsLast3d;
  return MemoryFormat::Contiguous;
}

Tensor in_inputs_format(const Tensor& result, std::initializer_list<const Tensor*> inputs) {
  if (result->dim() != 4 || is_in_format(result, MemoryFormat::ChannelsLast)) return result;
  for (const Tensor* t : inputs) {
    if (t && suggests_channels_last(*t)) {
      GradModeGuard no_record(false);
      return copy_in_format(result, result->dtype(), MemoryFormat::ChannelsLast);
    }
  }
  return result;
}

Scalar item(const Tensor& t) {
  CR_CHECK(t->numel() == 1, ValueError, "item: only one-element tensors can be converted to a Python number, got a ",
           describe(t));
  CR_CHECK(!t->device().is_meta(), RuntimeError, "Tensor.item() cannot be called on meta tensors");
  if (!t->device().is_cpu()) return item(to_device(t, kCpu));  // waits for the device
  if (is_reduced_float(t->dtype())) return item(to_dtype(t, DType::Float32));  // exact
  return CR_DISPATCH_ALL(t->dtype(), "item", [&] {
    const scalar_t v = *t->data<scalar_t>();
    if constexpr (std::is_same_v<scalar_t, bool>) return Scalar(v);
    else if constexpr (std::is_floating_point_v<scalar_t>) return Scalar(static_cast<double>(v));
    else return Scalar(static_cast<int64_t>(v));
  });
}

}  // namespace cr
