// One direction of a recurrent layer over a whole sequence (see rnn_sequence.h): checks, then the
// kernels of cpu/rnn_sequence.h, which keep the pre-activations h_gates and the LSTM cells for the
// backward. The fused backward walks the steps in reverse once; the weight gradient is GEMMs over
// all steps at the end and b_hh's a sum. Under create_graph the backward replays the steps as
// recorded ops; on a GPU the forward itself runs them so (matmul and the GPU's fused cell kernels).
#include "ops/rnn_sequence.h"

#include <tuple>

#include "autograd/engine.h"
#include "autograd/record.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/float32_staging.h"
#include "ops/join.h"
#include "ops/matmul.h"
#include "ops/reduce.h"
#include "ops/rnn_cell.h"
#include "ops/tensor_math.h"
#include "ops/view.h"

namespace cr {

namespace {

int64_t gate_count(RecurrenceKind kind) {
  switch (kind) {
    case RecurrenceKind::Lstm: return 4;
    case RecurrenceKind::Gru: return 3;
    default: return 1;
  }
}

const char* node_name(RecurrenceKind kind) {
  switch (kind) {
    case RecurrenceKind::Lstm: return "LstmSequenceBackward0";
    case RecurrenceKind::Gru: return "GruSequenceBackward0";
    case RecurrenceKind::RnnRelu: return "RnnReluSequenceBackward0";
    default: return "RnnTanhSequenceBackward0";
  }
}

struct SequenceGrads {
  Tensor x_proj, h0, c0, w_hh, b_hh;
};

// The saved inputs and forward buffers of one recorded sequence.
struct SavedSequence {
  cpu::SequenceShape steps;
  SavedTensor x_proj, h0, c0, w_hh, b_hh, output;
  Tensor cells, h_gates;  // internal: nobody else can write to them
};

SequenceGrads backward_fused(const SavedSequence& saved, const Node& node, const Tensor& d_output,
                             const Tensor& d_cn) {
  const cpu::SequenceShape& s = saved.steps;
  const Tensor x_proj = contiguous(saved.x_proj.unpack(node)), h0 = contiguous(saved.h0.unpack(node));
  const Tensor c0 = saved.c0.defined() ? contiguous(saved.c0.unpack(node)) : nullptr;
  const Tensor w_hh = contiguous(saved.w_hh.unpack(node)), output = saved.output.unpack(node);
  const Tensor d_out = d_output ? contiguous(d_output) : nullptr;
  const DType dtype = x_proj->dtype();
  const bool gru = s.kind == RecurrenceKind::Gru;
  Tensor d_h_gates = TensorImpl::empty(x_proj->sizes(), dtype, x_proj->device());
  Tensor d_x_gates = gru ? TensorImpl::empty(x_proj->sizes(), dtype, x_proj->device()) : d_h_gates;
  Tensor dh = zeros(h0->sizes(), dtype, h0->device()), dc = zeros(h0->sizes(), dtype, h0->device());
  if (d_cn) binary_(BinaryOp::Add, dc, d_cn);
  CR_DISPATCH_FLOATING(dtype, "rnn_sequence", [&] {
    const cpu::SequenceStates<scalar_t> f{output->data<scalar_t>(),
                                          saved.cells ? saved.cells->data<scalar_t>() : nullptr,
                                          saved.h_gates->data<scalar_t>()};
    const cpu::SequenceGradients<scalar_t> b{d_x_gates->data<scalar_t>(), d_h_gates->data<scalar_t>(),
                                             dh->data<scalar_t>(), dc->data<scalar_t>()};
    cpu::rnn_sequence_backward(x_proj->data<scalar_t>(), h0->data<scalar_t>(), c0 ? c0->data<scalar_t>() : nullptr,
                               w_hh->data<scalar_t>(), f, d_out ? d_out->data<scalar_t>() : nullptr, s, b);
  });
  SequenceGrads grads{d_x_gates, dh, s.kind == RecurrenceKind::Lstm ? dc : nullptr, nullptr, nullptr};
  if (node.needs_input_grad(3)) {  // dW_hh (G*H, H) = sum over steps of d_h_gates_t^T (G*H, N) @ h_prev_t (N, H)
    grads.w_hh = TensorImpl::empty(w_hh->sizes(), dtype, w_hh->device());
    CR_DISPATCH_FLOATING(dtype, "rnn_sequence", [&] {
      cpu::rnn_sequence_weight_grad(d_h_gates->data<scalar_t>(), h0->data<scalar_t>(), output->data<scalar_t>(), s,
                                    grads.w_hh->data<scalar_t>());
    });
  }
  if (node.needs_input_grad(4)) grads.b_hh = sum(reshape(d_h_gates, {s.length * s.batch, s.gate_row()}), DimList{{0}});
  return grads;
}

// The steps as recorded ops (matmul + fused cell): h_t for every time t, and the last cell state (c0
// for an empty sequence). Autograd differentiates through them: the create_graph backward, and the
// whole sequence on a GPU.
struct ReplayedSteps {
  std::vector<Tensor> states;
  Tensor c;
};

ReplayedSteps replay_steps(const cpu::SequenceShape& s, const Tensor& x_proj, const Tensor& h0, const Tensor& c0,
                           const Tensor& w_hh, const Tensor& b_hh) {
  const Tensor w_hh_t = transpose(w_hh, 0, 1);
  ReplayedSteps r{std::vector<Tensor>(s.length), c0};
  Tensor h = h0;
  for (int64_t i = 0; i < s.length; ++i) {
    const int64_t t = s.at(i);
    const Tensor x_gates = select(x_proj, 0, t);
    Tensor h_gates = matmul(h, w_hh_t);
    if (b_hh) h_gates = h_gates + b_hh;
    switch (s.kind) {
      case RecurrenceKind::Lstm: std::tie(h, r.c) = lstm_cell_pointwise(x_gates, h_gates, r.c); break;
      case RecurrenceKind::Gru: h = gru_cell_pointwise(x_gates, h_gates, h); break;
      default: h = rnn_cell_pointwise(x_gates, h_gates, s.relu()); break;
    }
    r.states[t] = h;
  }
  return r;
}

// The GPU's sequence: the replayed steps, recorded (no fused sequence kernel there yet).
std::vector<Tensor> sequence_by_steps(const cpu::SequenceShape& s, const Tensor& x_proj, const Tensor& h0,
                                      const Tensor& c0, const Tensor& w_hh, const Tensor& b_hh) {
  const ReplayedSteps r = replay_steps(s, x_proj, h0, c0, w_hh, b_hh);
  Tensor output = s.length == 0 ? TensorImpl::empty({0, s.batch, s.hidden}, x_proj->dtype(), x_proj->device())
                                : stack(r.states, 0);
  if (s.kind != RecurrenceKind::Lstm) return {output};
  return {output, s.length == 0 ? clone(c0) : r.c};
}

// create_graph: the same gradients from the steps replayed as recorded ops (matmul + fused cell),
// differentiated with autograd.grad so that the result differentiates again.
SequenceGrads backward_replayed(const SavedSequence& saved, const Node& node, const Tensor& d_output,
                                const Tensor& d_cn) {
  const cpu::SequenceShape& s = saved.steps;
  const Tensor x_proj = saved.x_proj.unpack(node), h0 = saved.h0.unpack(node), w_hh = saved.w_hh.unpack(node);
  const Tensor c0 = saved.c0.defined() ? saved.c0.unpack(node) : nullptr;
  const Tensor b_hh = saved.b_hh.defined() ? saved.b_hh.unpack(node) : nullptr;
  const ReplayedSteps r = replay_steps(s, x_proj, h0, c0, w_hh, b_hh);
  TensorList roots, root_grads;
  if (d_output) roots.push_back(stack(r.states, 0)), root_grads.push_back(d_output);
  if (d_cn) roots.push_back(r.c), root_grads.push_back(d_cn);
  const Tensor inputs[] = {x_proj, h0, c0, w_hh, b_hh};
  TensorList wanted;
  std::vector<size_t> slots;
  for (size_t k = 0; k < 5; ++k) {
    if (node.needs_input_grad(k) && inputs[k] && inputs[k]->requires_grad()) wanted.push_back(inputs[k]), slots.push_back(k);
  }
  // the replayed steps stay part of the returned gradients' history (their second derivatives run through them)
  TensorList found = run_backward(roots, root_grads, /*keep_graph=*/true, /*create_graph=*/true, wanted,
                                  /*allow_unused=*/true);
  Tensor out[5];
  for (size_t j = 0; j < slots.size(); ++j) out[slots[j]] = found[j];
  return {out[0], out[1], out[2], out[3], out[4]};
}

void check_inputs(RecurrenceKind kind, const Tensor& x_proj, const Tensor& h0, const Tensor& c0, const Tensor& w_hh,
                  const Tensor& b_hh) {
  const int64_t gates = gate_count(kind);
  common_device("rnn_sequence", {&x_proj, &h0, &c0, &w_hh, &b_hh});
  CR_CHECK(x_proj->dim() == 3 && h0->dim() == 2 && w_hh->dim() == 2, ValueError,
           "rnn_sequence: expected x_proj (L, N, G*H), h0 (N, H) and w_hh (G*H, H), got shapes ", x_proj->sizes(),
           ", ", h0->sizes(), " and ", w_hh->sizes());
  const int64_t hidden = h0->size(1);
  CR_CHECK(x_proj->size(1) == h0->size(0) && x_proj->size(2) == gates * hidden && w_hh->size(0) == gates * hidden &&
               w_hh->size(1) == hidden,
           ValueError, "rnn_sequence: with ", gates, " gates and h0 ", h0->sizes(), " = (N, H), expected x_proj (L, N, ",
           gates * hidden, ") and w_hh (", gates * hidden, ", ", hidden, "), got ", x_proj->sizes(), " and ",
           w_hh->sizes());
  CR_CHECK((kind == RecurrenceKind::Lstm) == static_cast<bool>(c0), ValueError,
           "rnn_sequence: c0 is required for LSTM and only for LSTM");
  CR_CHECK(!c0 || c0->sizes() == h0->sizes(), ValueError, "rnn_sequence: c0 ", c0 ? c0->sizes() : Shape{},
           " must have h0's shape ", h0->sizes());
  CR_CHECK(!b_hh || kind == RecurrenceKind::Gru, ValueError,
           "rnn_sequence: b_hh stays separate only for GRU; fold it into x_proj for RNN and LSTM");
  CR_CHECK(!b_hh || (b_hh->dim() == 1 && b_hh->size(0) == gates * hidden), ValueError, "rnn_sequence: b_hh ",
           b_hh ? b_hh->sizes() : Shape{}, " must be (", gates * hidden, ",)");
  for (const Tensor* t : {&h0, &c0, &w_hh, &b_hh}) {
    CR_CHECK(!*t || (*t)->dtype() == x_proj->dtype(), DTypeError,
             "rnn_sequence: expected every tensor to be a ", dtype_name(x_proj->dtype()), " tensor like x_proj, got ",
             describe(*t));
  }
  CR_CHECK(is_floating(x_proj->dtype()), DTypeError, "rnn_sequence: expected floating tensors, got ", describe(x_proj));
}

}  // namespace

RecurrenceKind recurrence_kind(const std::string& mode) {
  if (mode == "RNN_TANH") return RecurrenceKind::RnnTanh;
  if (mode == "RNN_RELU") return RecurrenceKind::RnnRelu;
  if (mode == "LSTM") return RecurrenceKind::Lstm;
  if (mode == "GRU") return RecurrenceKind::Gru;
  CR_FAIL(ValueError, "rnn_sequence: unknown mode '", mode, "', expected RNN_TANH, RNN_RELU, LSTM or GRU");
}

std::vector<Tensor> rnn_sequence(RecurrenceKind kind, const Tensor& x_proj, const Tensor& h0, const Tensor& c0,
                                 const Tensor& w_hh, const Tensor& b_hh, bool reverse) {
  check_inputs(kind, x_proj, h0, c0, w_hh, b_hh);
  if (any_reduced_float({&x_proj})) {  // 16-bit floats: the recurrence in float32, each result rounded once
    std::vector<Tensor> results = rnn_sequence(kind, widened(x_proj), widened(h0), widened(c0), widened(w_hh),
                                               widened(b_hh), reverse);
    for (Tensor& t : results) t = t ? to_dtype(t, x_proj->dtype()) : t;
    return results;
  }
  const cpu::SequenceShape s{kind, reverse, x_proj->size(0), h0->size(0), h0->size(1), gate_count(kind)};
  const DType dtype = x_proj->dtype();
  const bool lstm = kind == RecurrenceKind::Lstm;
  if (!x_proj->device().is_cpu()) return sequence_by_steps(s, x_proj, h0, c0, w_hh, b_hh);
  Tensor output = TensorImpl::empty({s.length, s.batch, s.hidden}, dtype, x_proj->device());
  Tensor cells = lstm ? TensorImpl::empty({s.length, s.batch, s.hidden}, dtype, x_proj->device()) : nullptr;
  Tensor h_gates = TensorImpl::empty(x_proj->sizes(), dtype, x_proj->device());
  {
    GradModeGuard no_record(false);  // contiguous copies are an implementation detail
    const Tensor xc = contiguous(x_proj), hc = contiguous(h0), wc = contiguous(w_hh);
    const Tensor cc = c0 ? contiguous(c0) : nullptr, bc = b_hh ? contiguous(b_hh) : nullptr;
    if (s.batch > 0 && s.hidden > 0) {
      CR_DISPATCH_FLOATING(dtype, "rnn_sequence", [&] {
        const cpu::SequenceStates<scalar_t> f{output->data<scalar_t>(), lstm ? cells->data<scalar_t>() : nullptr,
                                              h_gates->data<scalar_t>()};
        cpu::rnn_sequence_forward(xc->data<scalar_t>(), hc->data<scalar_t>(), cc ? cc->data<scalar_t>() : nullptr,
                                  wc->data<scalar_t>(), bc ? bc->data<scalar_t>() : nullptr, s, f);
      });
    }
  }
  // c_n: the last step's cell state (c0 itself for an empty sequence), as its own tensor
  Tensor c_n = !lstm ? nullptr : s.length == 0 ? clone(c0) : clone(select(cells, 0, s.at(s.length - 1)));
  std::vector<Tensor> results{output};
  if (lstm) results.push_back(c_n);
  if (needs_grad({&x_proj, &h0, &c0, &w_hh, &b_hh})) {
    auto saved = std::make_shared<SavedSequence>(SavedSequence{
        s, SavedTensor(x_proj, false), SavedTensor(h0, false), c0 ? SavedTensor(c0, false) : SavedTensor(),
        SavedTensor(w_hh, false), b_hh ? SavedTensor(b_hh, false) : SavedTensor(), SavedTensor(output, true), cells,
        h_gates});
    record(node_name(kind), {x_proj, h0, c0, w_hh, b_hh}, results,
           [saved](const TensorList& g, const Node& node) -> TensorList {
             const Tensor d_output = g[0], d_cn = g.size() > 1 ? g[1] : nullptr;
             SequenceGrads grads = GradMode::is_enabled() ? backward_replayed(*saved, node, d_output, d_cn)
                                                          : backward_fused(*saved, node, d_output, d_cn);
             return {grads.x_proj, grads.h0, grads.c0, grads.w_hh, grads.b_hh};
           });
  }
  return results;
}

}  // namespace cr
