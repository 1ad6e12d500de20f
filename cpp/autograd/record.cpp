// Recording nodes for ops, and sum_to (undoing broadcasting in backward).
#include "autograd/record.h"

#include "autograd/view_history.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/reduce.h"
#include "ops/view.h"

namespace cr {

Edge gradient_edge(const Tensor& t) {
  if (t->grad_fn()) return {t->grad_fn(), t->output_nr()};
  if (!t->requires_grad()) return {};
  std::shared_ptr<Node> acc = t->grad_accumulator().lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t);
    t->grad_accumulator() = acc;
  }
  return {acc, 0};
}

Tensor CompositeName::operator()(const Tensor& out) const {
  const std::shared_ptr<Node>& node = out->grad_fn();
  if (node && node->sequence_nr() >= first_sequence_nr_) node->rename(name_);
  return out;
}

std::shared_ptr<Node> record(const char* name, const TensorList& inputs, const TensorList& outputs,
                             BackwardFormula formula) {
  std::vector<Edge> edges;
  edges.reserve(inputs.size());
  for (const Tensor& t : inputs) edges.push_back(t ? gradient_edge(t) : Edge{});
  // The formula's SavedTensors were made just before this call (by the op recording it).
  const bool saves_tensors = SavedTensor::take_saved_count() > 0;
  auto node = std::make_shared<FormulaNode>(name, std::move(edges), std::move(formula), saves_tensors);
  node->set_named_saved(SavedTensor::take_named());
  for (const Tensor& out : outputs) {
    uint32_t nr = node->add_output(*out);
    out->set_grad_fn(node, nr);
  }
  return node;
}

void record_zero_gradient(const char* name, const Tensor& input, const Tensor& output) {
  if (!needs_grad({&input})) return;
  record(name, {input}, {output}, [in = TensorMeta(input)](const TensorList&, const Node&) -> TensorList {
    return {zeros(in.sizes, in.dtype, in.device)};
  });
}

bool in_place_needs_grad(const Tensor& self, std::initializer_list<const Tensor*> others, const char* op) {
  if (!GradMode::is_enabled()) return false;
  CR_CHECK(!(self->is_leaf() && self->requires_grad()), RuntimeError, op,
           ": a leaf tensor that requires grad is being used in an in-place operation; do it under "
           "chainrule.no_grad() (e.g. a parameter update) or use the out-of-place op");
  bool needed = self->requires_grad();
  for (const Tensor* t : others) needed = needed || (*t && (*t)->requires_grad());
  if (!needed) return false;
  if (const Tensor& base = self->view_base()) {  // the write rewrites base's history (view_history.h)
    CR_CHECK(self->view_tracks_grad(), RuntimeError, op,
             ": this view was created under no_grad() and is being modified in place with grad mode on; "
             "whether its base should get the gradient is ambiguous, so this is refused (as in PyTorch). "
             "Make the view with grad mode on, or write under no_grad()");
    CR_CHECK(!(base->is_leaf() && base->requires_grad()), RuntimeError, op,
             ": a view of a leaf tensor that requires grad is being used in an in-place operation; do it "
             "under chainrule.no_grad() or write into a copy (e.g. x.clone())");
  }
  return true;
}

void rebase_history(const Tensor& self, const Tensor& result) {
  {
    GradModeGuard no_record(false);
    copy_(self, result);
  }
  if (self->view_base()) return record_copy_slices(self, result);  // self's grad_fn refreshes from its base
  if (self->requires_grad() && !result->requires_grad()) {
    // every value overwritten by ones that need no gradient (fill_, zero_, copy_ of a constant): self still
    // requires grad, as in PyTorch, and its old history gets a zero gradient
    return record_zero_gradient("CopyBackwards", self, self);
  }
  self->set_grad_fn(result->grad_fn(), result->output_nr());
}

Tensor grad_for(const Tensor& grad, const TensorMeta& input) {
  return to_dtype(sum_to(grad, input.sizes), input.dtype);
}

Tensor sum_to(const Tensor& grad, const Shape& shape) {
  if (grad->sizes() == shape) return grad;
  const int64_t lead = grad->dim() - static_cast<int64_t>(shape.size());
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < grad->dim(); ++d) {
    if (d < lead || (shape[d - lead] == 1 && grad->size(d) != 1)) dims.push_back(d);
  }
  Tensor summed = dims.empty() ? grad : sum(grad, dims, /*keepdim=*/true);
  return reshape(summed, shape);
}

}  // namespace cr
