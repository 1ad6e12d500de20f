// rnn_cell_pointwise, the Elman RNN step (see rnn_cell.h): checks, then the fused kernels of
// cpu/rnn_cell.h: h = tanh or relu of x_proj + h_proj, and a backward that scales the incoming
// gradient by the activation's derivative, read off the saved output (1 - h^2 for tanh, h > 0 for
// relu). Under create_graph the backward uses recorded ops.
#include "autograd/record.h"
#include "cpu/rnn_cell.h"
#include "cuda/rnn_cell.h"
#include "ops/copy.h"
#include "ops/float32_staging.h"
#include "ops/rnn_cell.h"
#include "ops/rnn_cell_checks.h"
#include "ops/tensor_math.h"

namespace cr {

namespace {

Tensor rnn_backward(const Tensor& h, const Tensor& dh, bool relu) {
  // relu's derivative is the step sign(h) (h >= 0), whose own derivative is zero
  if (GradMode::is_enabled()) return relu ? dh * unary(UnaryOp::Sign, h) : dh * (1.0 - h * h);
  const Tensor hc = contiguous(h), dc = contiguous(dh);
  Tensor d_pre = TensorImpl::empty(h->sizes(), h->dtype(), h->device());
  if (!h->device().is_cpu()) {  // the family's dispatch point (here and in the forward)
    cuda::rnn_cell_backward(h->dtype(), hc->device_data(), dc->device_data(), h->size(0), h->size(1), relu,
                            d_pre->device_data());
  } else CR_DISPATCH_FLOATING(h->dtype(), "rnn_cell_pointwise", [&] {
    cpu::rnn_cell_backward(hc->data<scalar_t>(), dc->data<scalar_t>(), h->size(0), h->size(1), relu,
                           d_pre->data<scalar_t>());
  });
  return d_pre;
}

}  // namespace

Tensor rnn_cell_pointwise(const Tensor& x_proj, const Tensor& h_proj, bool relu) {
  rnn_cell::check_gates("rnn_cell_pointwise", "x_proj", x_proj, h_proj, 1);
  if (any_reduced_float({&h_proj})) {  // 16-bit floats: the cell in float32, rounded once
    return to_dtype(rnn_cell_pointwise(widened(x_proj), widened(h_proj), relu), h_proj->dtype());
  }
  const int64_t rows = h_proj->size(0), hidden = h_proj->size(1);
  Tensor h = TensorImpl::empty(h_proj->sizes(), h_proj->dtype(), h_proj->device());
  if (h->numel() > 0) {
    GradModeGuard no_record(false);  // the contiguous copies are an implementation detail
    const Tensor xc = contiguous(x_proj), hc = contiguous(h_proj);
    if (!h->device().is_cpu()) {
      cuda::rnn_cell_forward(h->dtype(), xc->device_data(), hc->device_data(), rows, hidden, relu, h->device_data());
    } else CR_DISPATCH_FLOATING(h->dtype(), "rnn_cell_pointwise", [&] {
      cpu::rnn_cell_forward(xc->data<scalar_t>(), hc->data<scalar_t>(), rows, hidden, relu, h->data<scalar_t>());
    });
  }
  if (needs_grad({&x_proj, &h_proj})) {
    record(relu ? "RnnReluCellPointwiseBackward0" : "RnnTanhCellPointwiseBackward0", {x_proj, h_proj}, {h},
           [sh = SavedTensor(h, true), relu](const TensorList& g, const Node& node) -> TensorList {
             const Tensor d_pre = rnn_backward(sh.unpack(node), g[0], relu);
             return {node.needs_input_grad(0) ? d_pre : nullptr, node.needs_input_grad(1) ? d_pre : nullptr};
           });
  }
  return h;
}

}  // namespace cr
