// The three convolution primitives (conv.h) and their backward formulas. They are closed under
// differentiation: with y = convolution(x, w), gx = convolution_input_grad(gy, w) and
// gw = convolution_weight_grad(x, gy), all bilinear,
//   d<y, a>       : x -> input_grad(a, w),   w -> weight_grad(x, a)
//   d<gx, a>      : gy -> convolution(a, w), w -> weight_grad(a, gy)
//   d<gw, a>      : x -> input_grad(gy, a),  gy -> convolution(x, a)
// so every formula calls the recorded primitives and gradients of any order follow. Each saves
// only the operand the requested gradients need.
#include "ops/conv.h"

#include "autograd/record.h"
#include "cpu/conv_depthwise.h"
#include "cpu/conv_gemm.h"
#include "cpu/gemm.h"
#include "cpu/winograd.h"
#include "cuda/conv.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/float32_staging.h"
#include "ops/reduce.h"
#include "ops/view.h"

namespace cr {

namespace {

// The kernel's view of a geometry for `batch` samples, `in_channels` -> `out_channels`.
ConvShape conv_shape(int64_t batch, int64_t in_channels, int64_t out_channels, const ConvGeometry& geo) {
  Window2d w{geo.in[0],     geo.in[1],     geo.out[0],    geo.out[1],      geo.kernel[0],   geo.kernel[1],
                  geo.stride[0], geo.stride[1], geo.pad[0],    geo.pad[1],      geo.dilation[0], geo.dilation[1]};
  return {batch, in_channels, out_channels, geo.groups, w};
}

// Internal consistency of a primitive's operands (the public ops validate user input with
// friendlier messages first): 4-D float tensors of one dtype and one device whose sizes agree with
// the geometry.
void check_operands(const char* op, const Tensor& a, const Shape& a_expected, const Tensor& b,
                    const Shape& b_expected) {
  common_device(op, {&a, &b});
  CR_CHECK(a->dtype() == b->dtype() && is_floating(a->dtype()), DTypeError, op, ": expected float32 or float64 ",
           "operands of one dtype, got ", describe(a), " and ", describe(b));
  CR_CHECK(a->sizes() == a_expected && b->sizes() == b_expected, RuntimeError, op, ": operands ", a->sizes(),
           " and ", b->sizes(), " do not match the convolution geometry (expected ", a_expected, " and ", b_expected,
           ")");
}

// Primitives index sizes before anything else: both operands must be 4-D.
void check_4d(const char* op, const Tensor& a, const Tensor& b) {
  CR_CHECK(a->dim() == 4 && b->dim() == 4, RuntimeError, op, ": expected 4-D operands, got ", a->sizes(), " and ",
           b->sizes());
}

// Channel counts the groups split evenly.
void check_groups(const char* op, int64_t in_channels, int64_t out_channels, int64_t groups) {
  CR_CHECK(groups > 0 && in_channels % groups == 0 && out_channels % groups == 0, RuntimeError, op, ": ",
           in_channels, " input and ", out_channels, " output channels do not split into ", groups, " groups");
}

// Every GEMM dimension must fit BLAS's 32-bit ints (checked here: the kernels run in threads).
void check_blas_limits(const char* op, const ConvShape& s) {
  for (int64_t v : {s.col_rows(), s.window.out_size(), s.group_out(), s.window.in_size()}) {
    CR_CHECK(v <= cpu::kMaxBlasInt, ValueError, op, ": a GEMM dimension of this convolution (", v,
             ") exceeds the 32-bit BLAS limit");
  }
}

Shape weight_shape(int64_t out_channels, int64_t group_in, const ConvGeometry& geo) {
  return {out_channels, group_in, geo.kernel[0], geo.kernel[1]};
}

Tensor bias_grad(const Tensor& g) { return sum(g, std::vector<int64_t>{0, 2, 3}); }

// A bias (channels,) of the operand's dtype, on its device.
void check_bias(const char* op, const Tensor& bias, int64_t channels, const Tensor& operand) {
  if (!bias) return;
  common_device(op, {&operand, &bias});
  const DType dtype = operand->dtype();
  CR_CHECK(bias->dtype() == dtype, DTypeError, op, ": bias dtype ", bias->dtype(), " differs from ", dtype);
  CR_CHECK(bias->sizes() == Shape{channels}, RuntimeError, op, ": expected bias of shape (", channels, "), got ",
           bias->sizes());
}

}  // namespace

const char* convolution_algorithm(int64_t batch, int64_t in_channels, int64_t out_channels, const ConvGeometry& geo) {
  const ConvShape s = conv_shape(batch, in_channels, out_channels, geo);
  if (cpu::depthwise_suits(s)) return "depthwise";
  return cpu::winograd_suits(s) ? "winograd" : s.pointwise() ? "gemm" : "im2col";
}

Tensor convolution(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvGeometry& geo) {
  const char* op = "convolution";
  check_4d(op, x, w);
  const int64_t n = x->size(0), c = x->size(1), k = w->size(0);
  check_groups(op, c, k, geo.groups);
  check_operands(op, x, {n, c, geo.in[0], geo.in[1]}, w, weight_shape(k, c / geo.groups, geo));
  check_bias(op, bias, k, x);
  const ConvShape s = conv_shape(n, c, k, geo);
  check_blas_limits(op, s);
  Tensor y = TensorImpl::empty({n, k, geo.out[0], geo.out[1]}, x->dtype(), x->device());
  {
    GradModeGuard no_record(false);
    const Tensor xc = contiguous(x), wc = contiguous(w), bc = bias ? contiguous(bias) : Tensor();
    auto launch = [&](const Tensor& out, const Tensor& xc, const Tensor& wc, const Tensor& bc) {
      if (!out->device().is_cpu()) {  // the family's dispatch point
        cuda::conv_forward(out->dtype(), out->device(), xc->device_data(), wc->device_data(),
                           bc ? bc->device_data() : nullptr, s, out->device_data());
      } else CR_DISPATCH_FLOATING(out->dtype(), op, [&] {
        const scalar_t* b = bc ? bc->data<scalar_t>() : nullptr;
        if (cpu::depthwise_suits(s)) {
          cpu::depthwise_forward<scalar_t>(xc->data<scalar_t>(), wc->data<scalar_t>(), b, s, out->data<scalar_t>());
        } else if (cpu::winograd_suits(s)) {
          cpu::winograd_forward<scalar_t>(xc->data<scalar_t>(), wc->data<scalar_t>(), b, s, out->data<scalar_t>());
        } else {
          cpu::conv_forward<scalar_t>(xc->data<scalar_t>(), wc->data<scalar_t>(), b, s, out->data<scalar_t>());
        }
      });
    };
    if (!staged_in_float32(y, launch, xc, wc, bc)) launch(y, xc, wc, bc);
  }
  y = in_inputs_format(y, {&x, &w});
  if (needs_grad({&x, &w, &bias})) {
    record("ConvolutionBackward0", {x, w, bias}, {y},
           [sx = w->requires_grad() ? SavedTensor(x, false) : SavedTensor(),
            sw = x->requires_grad() ? SavedTensor(w, false) : SavedTensor(), geo,
            x_channels_last = suggests_channels_last(x), w_channels_last = suggests_channels_last(w)](
               const TensorList& g, const Node& node) -> TensorList {
             // the gradients in their inputs' layouts, as PyTorch's
             auto laid_out = [](const Tensor& grad, bool channels_last) {
               return channels_last ? copy_in_format(grad, grad->dtype(), MemoryFormat::ChannelsLast) : grad;
             };
             Tensor gx, gw, gb;
             const Tensor gy = contiguous(g[0]);  // once for both products (a sum's gradient is expanded)
             if (node.needs_input_grad(0)) {
               gx = laid_out(convolution_input_grad(gy, sw.unpack(node), Tensor(), geo), x_channels_last);
             }
             if (node.needs_input_grad(1)) gw = laid_out(convolution_weight_grad(sx.unpack(node), gy, geo), w_channels_last);
             if (node.needs_input_grad(2)) gb = bias_grad(gy);
             return {gx, gw, gb};
           });
  }
  return y;
}

Tensor convolution_input_grad(const Tensor& gy, const Tensor& w, const Tensor& bias, const ConvGeometry& geo) {
  const char* op = "convolution_input_grad";
  check_4d(op, gy, w);
  const int64_t n = gy->size(0), k = gy->size(1), c = w->size(1) * geo.groups;
  check_groups(op, c, k, geo.groups);
  check_operands(op, gy, {n, k, geo.out[0], geo.out[1]}, w, weight_shape(k, w->size(1), geo));
  check_bias(op, bias, c, gy);
  const ConvShape s = conv_shape(n, c, k, geo);
  check_blas_limits(op, s);
  Tensor gx = TensorImpl::empty({n, c, geo.in[0], geo.in[1]}, gy->dtype(), gy->device());
  {
    GradModeGuard no_record(false);
    const Tensor gyc = contiguous(gy), wc = contiguous(w);
    auto launch = [&](const Tensor& out, const Tensor& gyc, const Tensor& wc) {
      if (!out->device().is_cpu()) {
        cuda::conv_input_grad(out->dtype(), out->device(), gyc->device_data(), wc->device_data(), s, out->device_data());
      } else CR_DISPATCH_FLOATING(out->dtype(), op, [&] {
        if (cpu::depthwise_suits(s)) {
          cpu::depthwise_input_grad<scalar_t>(gyc->data<scalar_t>(), wc->data<scalar_t>(), s, out->data<scalar_t>());
        } else if (cpu::winograd_suits(s)) {
          cpu::winograd_input_grad<scalar_t>(gyc->data<scalar_t>(), wc->data<scalar_t>(), s, out->data<scalar_t>());
        } else {
          cpu::conv_input_grad<scalar_t>(gyc->data<scalar_t>(), wc->data<scalar_t>(), s, out->data<scalar_t>());
        }
      });
    };
    if (!staged_in_float32(gx, launch, gyc, wc)) launch(gx, gyc, wc);
    if (bias) gx = binary(BinaryOp::Add, gx, view(bias, {1, c, 1, 1}));
  }
  if (needs_grad({&gy, &w, &bias})) {
    record("ConvolutionTransposeBackward0", {gy, w, bias}, {gx},
           [sgy = w->requires_grad() ? SavedTensor(gy, false) : SavedTensor(),
            sw = gy->requires_grad() ? SavedTensor(w, false) : SavedTensor(),
            geo](const TensorList& g, const Node& node) -> TensorList {
             Tensor ggy, gw, gb;
             const Tensor ggx = contiguous(g[0]);
             if (node.needs_input_grad(0)) ggy = convolution(ggx, sw.unpack(node), Tensor(), geo);
             if (node.needs_input_grad(1)) gw = convolution_weight_grad(ggx, sgy.unpack(node), geo);
             if (node.needs_input_grad(2)) gb = bias_grad(ggx);
             return {ggy, gw, gb};
           });
  }
  return gx;
}

Tensor convolution_weight_grad(const Tensor& x, const Tensor& gy, const ConvGeometry& geo) {
  const char* op = "convolution_weight_grad";
  check_4d(op, x, gy);
  const int64_t n = x->size(0), c = x->size(1), k = gy->size(1);
  check_groups(op, c, k, geo.groups);
  check_operands(op, x, {n, c, geo.in[0], geo.in[1]}, gy, {n, k, geo.out[0], geo.out[1]});
  const ConvShape s = conv_shape(n, c, k, geo);
  check_blas_limits(op, s);
  Tensor gw = TensorImpl::empty(weight_shape(k, c / geo.groups, geo), x->dtype(), x->device());
  {
    GradModeGuard no_record(false);
    const Tensor xc = contiguous(x), gyc = contiguous(gy);
    auto launch = [&](const Tensor& out, const Tensor& xc, const Tensor& gyc) {
      if (!out->device().is_cpu()) {
        cuda::conv_weight_grad(out->dtype(), out->device(), xc->device_data(), gyc->device_data(), s, out->device_data());
      } else CR_DISPATCH_FLOATING(out->dtype(), op, [&] {
        if (cpu::depthwise_suits(s)) {
          cpu::depthwise_weight_grad<scalar_t>(xc->data<scalar_t>(), gyc->data<scalar_t>(), s, out->data<scalar_t>());
        } else if (cpu::winograd_suits(s)) {
          cpu::winograd_weight_grad<scalar_t>(xc->data<scalar_t>(), gyc->data<scalar_t>(), s, out->data<scalar_t>());
        } else {
          cpu::conv_weight_grad<scalar_t>(xc->data<scalar_t>(), gyc->data<scalar_t>(), s, out->data<scalar_t>());
        }
      });
    };
    if (!staged_in_float32(gw, launch, xc, gyc)) launch(gw, xc, gyc);
  }
  if (needs_grad({&x, &gy})) {
    record("ConvolutionWeightGradBackward0", {x, gy}, {gw},
           [sx = gy->requires_grad() ? SavedTensor(x, false) : SavedTensor(),
            sgy = x->requires_grad() ? SavedTensor(gy, false) : SavedTensor(),
            geo](const TensorList& g, const Node& node) -> TensorList {
             Tensor gx, ggy;
             if (node.needs_input_grad(0)) gx = convolution_input_grad(sgy.unpack(node), g[0], Tensor(), geo);
             if (node.needs_input_grad(1)) ggy = convolution(sx.unpack(node), g[0], Tensor(), geo);
             return {gx, ggy};
           });
  }
  return gw;
}

}  // namespace cr
