// y = x W^T + b (see linear.h). Forward: the rows of y start as b, then one GEMM adds x W^T.
// Backward: dx = dy W and dW = dy^T x by GEMM, db = dy summed over the rows.
#include "ops/linear.h"

#include <algorithm>

#include "autograd/autocast.h"
#include "autograd/record.h"
#include "cpu/gemm.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/float32_staging.h"
#include "ops/matmul.h"
#include "ops/reduce.h"
#include "ops/view.h"

namespace cr {

namespace {

// The product of all sizes but the last: the rows of x seen as a (rows, features) matrix.
int64_t leading_rows(const Tensor& x) {
  int64_t rows = 1;
  for (int64_t d = 0; d + 1 < x->dim(); ++d) rows *= x->size(d);
  return rows;
}

void check_linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  common_device("linear", {&x, &weight, &bias});
  CR_CHECK(weight->dim() == 2, ValueError, "linear: weight must be (out_features, in_features), got shape ",
           weight->sizes());
  CR_CHECK(x->dim() >= 1 && x->size(x->dim() - 1) == weight->size(1), ValueError, "linear: input of shape ",
           x->sizes(), " does not end in in_features=", weight->size(1), " of weight ", weight->sizes());
  CR_CHECK(!bias || (bias->dim() == 1 && bias->size(0) == weight->size(0)), ValueError, "linear: bias of shape ",
           bias ? bias->sizes() : Shape{}, " must be (out_features,) = (", weight->size(0), ",)");
  CR_CHECK(is_floating(x->dtype()) && weight->dtype() == x->dtype() && (!bias || bias->dtype() == x->dtype()),
           DTypeError, "linear: expected input, weight and bias of one floating dtype, got ", describe(x), ", ",
           describe(weight), bias ? ", " + describe(bias) : std::string());
}

struct LinearGrads {
  Tensor x, weight, bias;
};

// The gradients from the saved x and weight, each saved only where the other's gradient needs it
// (null otherwise, as in PyTorch); x_sizes and w_sizes are their shapes, g has their dtype.
LinearGrads linear_backward(const Tensor& x, const Tensor& weight, const Shape& x_sizes, const Shape& w_sizes,
                            const Tensor& g, const Node& node) {
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < x_sizes.size(); ++d) rows *= x_sizes[d];
  const int64_t out = w_sizes[0], in = w_sizes[1];
  const bool want_x = node.needs_input_grad(0), want_weight = node.needs_input_grad(1);
  const Tensor g2 = reshape(g, {rows, out}), x2 = want_weight ? reshape(x, {rows, in}) : nullptr;
  LinearGrads grads;
  if (GradMode::is_enabled() || is_reduced_float(g->dtype())) {  // create_graph, or 16-bit floats: recorded ops
    if (want_x) grads.x = reshape(matmul(g2, weight), x_sizes);
    if (want_weight) grads.weight = matmul(transpose(g2, 0, 1), x2);
    if (node.needs_input_grad(2)) grads.bias = sum(g2, DimList{{0}});
    return grads;
  }
  const Tensor gc = contiguous(g2);
  if (rows == 0 || out == 0 || in == 0) {  // nothing to multiply: zero gradients
    if (want_x) grads.x = zeros(x_sizes, g->dtype(), g->device());
    if (want_weight) grads.weight = zeros(w_sizes, g->dtype(), g->device());
    if (node.needs_input_grad(2)) grads.bias = sum(gc, DimList{{0}});
    return grads;
  }
  CR_DISPATCH_FLOATING(g->dtype(), "linear", [&] {
    if (want_x) {  // dx (rows, in) = dy (rows, out) @ W (out, in)
      const Tensor wc = contiguous(weight);
      grads.x = TensorImpl::empty({rows, in}, g->dtype(), g->device());
      cpu::gemm(false, false, rows, in, out, scalar_t(1), gc->data<scalar_t>(), out, wc->data<scalar_t>(), in,
                scalar_t(0), grads.x->data<scalar_t>(), in);
      grads.x = reshape(grads.x, x_sizes);
    }
    if (want_weight) {  // dW (out, in) = dy^T (out, rows) @ x (rows, in)
      const Tensor xc = contiguous(x2);
      grads.weight = TensorImpl::empty(w_sizes, g->dtype(), g->device());
      cpu::gemm(true, false, out, in, rows, scalar_t(1), gc->data<scalar_t>(), out, xc->data<scalar_t>(), in,
                scalar_t(0), grads.weight->data<scalar_t>(), in);
    }
  });
  if (node.needs_input_grad(2)) grads.bias = sum(gc, DimList{{0}});
  return grads;
}

// y (rows, out) = x (rows, in) W^T + b on the CPU, x, W and b contiguous (b may be null).
void forward_into(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& b, int64_t rows, int64_t out,
                  int64_t in) {
  CR_DISPATCH_FLOATING(y->dtype(), "linear", [&] {
    scalar_t* yd = y->data<scalar_t>();
    if (b) {  // y starts as b in every row; the GEMM adds x W^T
      const scalar_t* bd = b->data<scalar_t>();
      for (int64_t r = 0; r < rows; ++r) std::copy(bd, bd + out, yd + r * out);
    }
    if (in > 0) {
      cpu::gemm(false, true, rows, out, in, scalar_t(1), x->data<scalar_t>(), in, w->data<scalar_t>(), in,
                b ? scalar_t(1) : scalar_t(0), yd, out);
    } else if (!b) {  // no features: y = b, or 0
      std::fill(yd, yd + rows * out, scalar_t(0));
    }
  });
}

}  // namespace

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  CR_AUTOCAST(lowered, linear, x, weight, bias);
  check_linear(x, weight, bias);
  if (!x->device().is_cpu()) {  // the dispatch point: on a GPU, x W^T (cuBLAS) + b, recorded as those ops
    const Tensor y = matmul(x, transpose(weight, 0, 1));
    return bias ? binary(BinaryOp::Add, y, bias) : y;
  }
  const int64_t out = weight->size(0), in = weight->size(1);
  Shape out_sizes = x->sizes();
  out_sizes[out_sizes.size() - 1] = out;
  Tensor y = TensorImpl::empty(out_sizes, x->dtype(), x->device());
  const int64_t rows = leading_rows(x);
  if (y->numel() > 0) {
    GradModeGuard no_record(false);  // the contiguous copies are an implementation detail
    const Tensor xc = contiguous(reshape(x, {rows, in})), wc = contiguous(weight);
    const Tensor bc = bias ? contiguous(bias) : nullptr;
    auto forward = [&](const Tensor& y_out, const Tensor& x_in, const Tensor& w_in, const Tensor& b_in) {
      forward_into(y_out, x_in, w_in, b_in, rows, out, in);
    };
    if (!staged_in_float32(y, forward, xc, wc, bc)) forward(y, xc, wc, bc);
  }
  if (needs_grad({&x, &weight, &bias})) {
    const SavedTensor sx = needs_grad({&weight}) ? SavedTensor(x, false) : SavedTensor();
    const SavedTensor sw = needs_grad({&x}) ? SavedTensor(weight, false) : SavedTensor();
    record("LinearBackward0", {x, weight, bias}, {y},
           [sx, sw, x_sizes = x->sizes(), w_sizes = weight->sizes()](const TensorList& g,
                                                                    const Node& node) -> TensorList {
             const Tensor saved_x = sx.defined() ? sx.unpack(node) : nullptr;
             const Tensor saved_w = sw.defined() ? sw.unpack(node) : nullptr;
             LinearGrads grads = linear_backward(saved_x, saved_w, x_sizes, w_sizes, g[0], node);
             return {grads.x, grads.weight, grads.bias};
           });
  }
  return y;
}

}  // namespace cr
