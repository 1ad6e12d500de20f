// What ops call to take part in autograd: whether any input needs a gradient, and recording the
// node that will compute those gradients. A forward op reads like:
//   Tensor out = ...;
//   if (needs_grad({&a, &b})) record("MulBackward0", {a, b}, {out}, [sa = SavedTensor(a, false), ...]
//       (const TensorList& g, const Node& n) -> TensorList { ... });
#pragma once

#include <initializer_list>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/saved_tensor.h"

namespace cr {

inline bool needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : inputs) {
    if (*t && (*t)->requires_grad()) return true;
  }
  return false;
}

inline bool needs_grad(const TensorList& inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : inputs) {
    if (t && t->requires_grad()) return true;
  }
  return false;
}

// Where the gradient of t goes: its grad_fn, or the AccumulateGrad of a leaf that requires grad.
Edge gradient_edge(const Tensor& t);

// Makes `formula` the grad_fn of each output (output i gets gradient slot i) and returns the node.
// Inputs may be any number (cat) and may hold nulls (no gradient edge).
std::shared_ptr<Node> record(const char* name, const TensorList& inputs, const TensorList& outputs,
                             BackwardFormula formula);

// A composite op (built from other ops) names its result's node as PyTorch names its fused one, so
// printed results read as PyTorch's: mse_loss's last node, a MeanBackward0, reads MseLossBackward0.
// The node still computes its own op's gradient. Made at the op's start; named(out) at its end.
class CompositeName {
 public:
  explicit CompositeName(const char* name) : name_(name), first_sequence_nr_(next_sequence_nr()) {}
  // out, its grad_fn renamed when a node made since this op started made it (an input passed
  // through unchanged keeps its node's name).
  Tensor operator()(const Tensor& out) const;

 private:
  const char* name_;
  uint64_t first_sequence_nr_;
};

// Records `name` for an output that no element of `input` reaches (the median of an empty tensor,
// an adaptive pool to an empty output): its backward gives `input` zeros, as PyTorch's does.
void record_zero_gradient(const char* name, const Tensor& input, const Tensor& output);

// Called by in-place ops before they write into `self`. Raises, as PyTorch does, for a leaf that
// requires grad, a view of one, and a view made under no_grad. Returns whether the op must record:
// then it computes its result out of place and calls rebase_history(self, result) instead of
// writing directly.
bool in_place_needs_grad(const Tensor& self, std::initializer_list<const Tensor*> others, const char* op);
// self takes result's values and its place in the graph (bumping self's version); when self is a
// view, its base's history is rewritten instead (CopySlices, autograd/view_history.h).
void rebase_history(const Tensor& self, const Tensor& result);

// The gradient of a broadcast input: sums `grad` over the dims that broadcasting added or expanded
// so that it has `shape` again. Returns grad itself when nothing was broadcast.
Tensor sum_to(const Tensor& grad, const Shape& shape);
// Shape, dtype and device of an input, kept by formulas that need no values (no reference to the
// tensor).
struct TensorMeta {
  Shape sizes;
  DType dtype;
  Device device;
  explicit TensorMeta(const Tensor& t) : sizes(t->sizes()), dtype(t->dtype()), device(t->device()) {}
};
// sum_to(grad, input's shape) in the input's dtype: the gradient an input of a broadcasting,
// type-promoting op receives.
Tensor grad_for(const Tensor& grad, const TensorMeta& input);

}  // namespace cr
