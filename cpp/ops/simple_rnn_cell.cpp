// Fused Elman RNN step (see rnn_cell.h): h = tanh or relu of x_proj + h_proj in one pass, and a
// backward that scales the incoming gradient by the activation's derivative, read off the saved
// output (1 - h^2 for tanh, h > 0 for relu). Under create_graph the backward uses recorded ops.
#include <algorithm>

#include "autograd/record.h"
#include "cpu/vec_math.h"
#include "ops/copy.h"
#include "ops/rnn_cell.h"
#include "ops/rnn_cell_kernels.h"
#include "ops/rnn_cell_rows.h"
#include "ops/tensor_math.h"

namespace cr {

namespace rnn_cell {

// x_proj/h_proj/h (N, H), all contiguous.
template <typename T>
void rnn_forward_kernel(const T* x_proj, const T* h_proj, T* h, int64_t rows, int64_t hidden, bool relu) {
  for_rows(rows, hidden, [&](int64_t n) {
    const int64_t at = n * hidden;
    if (relu) {
#pragma omp simd
      for (int64_t j = at; j < at + hidden; ++j) h[j] = std::max(x_proj[j] + h_proj[j], T(0));
    } else {
#pragma omp simd
      for (int64_t j = at; j < at + hidden; ++j) h[j] = cpu::vec::tanh(x_proj[j] + h_proj[j]);
    }
  });
}

// d_pre (N, H) = dh * act'(pre), from the output h; everything contiguous.
template <typename T>
void rnn_backward_kernel(const T* h, const T* dh, T* d_pre, int64_t rows, int64_t hidden, bool relu) {
  for_rows(rows, hidden, [&](int64_t n) {
    const int64_t at = n * hidden;
    if (relu) {
#pragma omp simd
      for (int64_t j = at; j < at + hidden; ++j) d_pre[j] = h[j] > T(0) ? dh[j] : T(0);
    } else {
#pragma omp simd
      for (int64_t j = at; j < at + hidden; ++j) d_pre[j] = dh[j] * (T(1) - h[j] * h[j]);
    }
  });
}

#define CR_RNN_KERNELS(T)                                                                   \
  template void rnn_forward_kernel<T>(const T*, const T*, T*, int64_t, int64_t, bool);       \
  template void rnn_backward_kernel<T>(const T*, const T*, T*, int64_t, int64_t, bool);
CR_RNN_KERNELS(float)
CR_RNN_KERNELS(double)
#undef CR_RNN_KERNELS

}  // namespace rnn_cell

namespace {

Tensor rnn_backward(const Tensor& h, const Tensor& dh, bool relu) {
  // relu's derivative is the step sign(h) (h >= 0), whose own derivative is zero
  if (GradMode::is_enabled()) return relu ? dh * unary(UnaryOp::Sign, h) : dh * (1.0 - h * h);
  const Tensor hc = contiguous(h), dc = contiguous(dh);
  Tensor d_pre = TensorImpl::empty(h->sizes(), h->dtype(), h->device());
  CR_DISPATCH_FLOATING(h->dtype(), "rnn_cell_pointwise", [&] {
    rnn_cell::rnn_backward_kernel<scalar_t>(hc->data<scalar_t>(), dc->data<scalar_t>(), d_pre->data<scalar_t>(),
                                            h->size(0),
                                  h->size(1), relu);
  });
  return d_pre;
}

}  // namespace

Tensor rnn_cell_pointwise(const Tensor& x_proj, const Tensor& h_proj, bool relu) {
  rnn_cell::check_gates("rnn_cell_pointwise", "x_proj", x_proj, h_proj, 1);
  const int64_t rows = h_proj->size(0), hidden = h_proj->size(1);
  Tensor h = TensorImpl::empty(h_proj->sizes(), h_proj->dtype(), h_proj->device());
  if (h->numel() > 0) {
    GradModeGuard no_record(false);  // the contiguous copies are an implementation detail
    const Tensor xc = contiguous(x_proj), hc = contiguous(h_proj);
    CR_DISPATCH_FLOATING(h->dtype(), "rnn_cell_pointwise", [&] {
      rnn_cell::rnn_forward_kernel<scalar_t>(xc->data<scalar_t>(), hc->data<scalar_t>(), h->data<scalar_t>(), rows, hidden,
                                   relu);
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
