// The autograd graph. Each op that sees an input requiring grad records a Node holding what its
// backward formula saved and one Edge per forward input (to the node that made that input, or to
// the input's AccumulateGrad when it is a leaf). Backward walks these edges in reverse.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/tensor.h"

namespace cr {

using TensorList = std::vector<Tensor>;

struct Edge {
  std::shared_ptr<Node> node;  // null: this input needs no gradient
  uint32_t input_nr = 0;       // which gradient slot of `node` this edge feeds
};

// Shape, dtype and device of one forward output: the gradient arriving for it must match.
struct OutputMeta {
  Shape sizes;
  DType dtype;
  Device device;
};

// The sequence number the next node will get (nodes made later have larger ones).
uint64_t next_sequence_nr();

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node(std::string name, std::vector<Edge> next_edges);
  // Frees a long chain of nodes without recursing once per node.
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const std::string& name() const { return name_; }
  // For composite ops only (CompositeName in autograd/record.h): the name PyTorch gives its fused node.
  void rename(std::string name) { name_ = std::move(name); }
  const std::vector<Edge>& next_edges() const { return next_edges_; }
  uint64_t sequence_nr() const { return sequence_nr_; }
  // Whether the formula must compute the gradient of input i: the input needs one, and, while
  // autograd.grad runs (see NeededNodesGuard), it leads to one of the tensors asked for.
  bool needs_input_grad(size_t i) const;

  // One entry per forward output, added as outputs get this node as their grad_fn.
  uint32_t add_output(const TensorImpl& output);
  const std::vector<OutputMeta>& outputs() const { return outputs_; }

  // Gradients w.r.t. each forward input (null where not needed) from the gradients w.r.t. each
  // output (the engine fills missing ones with zeros).
  virtual TensorList apply(TensorList&& grad_outputs) = 0;
  // Drops what the formula saved; a later apply() raises a clear error.
  virtual void release_saved() {}

  // Hooks on the gradient of output `output_nr` (Tensor.register_hook and retain_grad of non-leaves).
  int add_pre_hook(uint32_t output_nr, GradHook hook);
  void remove_pre_hook(int id);
  // The hooks on this node's outputs' gradients, run before apply() and before autograd.grad
  // captures a gradient here (a leaf's tensor hooks too: see AccumulateGrad).
  virtual void run_pre_hooks(TensorList& grads) const;

 private:
  struct PreHook {
    int id;
    uint32_t output_nr;
    GradHook fn;
  };
  std::string name_;
  std::vector<Edge> next_edges_;
  std::vector<OutputMeta> outputs_;
  std::vector<PreHook> pre_hooks_;
  uint64_t sequence_nr_;
  int next_hook_id_ = 0;
};

// Held while a backward pass writes a .grad (AccumulateGrad, retain_grad): backward runs without
// the GIL, and two threads may backward into the same leaf at once.
std::mutex& grad_accumulation_mutex();

// The gradient sink of a leaf tensor: runs the leaf's hooks, adds the gradient to leaf.grad, then
// runs the leaf's post-accumulate-grad hooks.
class AccumulateGrad : public Node {
 public:
  explicit AccumulateGrad(Tensor leaf);
  // The leaf's tensor hooks (register_hook), after the node's own: autograd.grad returns what they give.
  void run_pre_hooks(TensorList& grads) const override;
  TensorList apply(TensorList&& grad_outputs) override;
  const Tensor& leaf() const { return leaf_; }

 private:
  Tensor leaf_;
};

// While alive, needs_input_grad() answers for a run of autograd.grad: only inputs that lead to one
// of `needed` (the nodes on a path to a tensor asked for) need gradients. Set by the engine on the
// thread running the backward; nested runs restore the outer set.
class NeededNodesGuard {
 public:
  explicit NeededNodesGuard(const std::unordered_set<const Node*>* needed);
  ~NeededNodesGuard();
  NeededNodesGuard(const NeededNodesGuard&) = delete;
  NeededNodesGuard& operator=(const NeededNodesGuard&) = delete;

 private:
  const std::unordered_set<const Node*>* outer_;
};

// A backward formula written as a lambda over the gradients of the outputs; it captures what it
// saved (SavedTensor), so release_saved() just drops the lambda.
using BackwardFormula = std::function<TensorList(const TensorList& grad_outputs, const Node& node)>;

class SavedTensor;
// A tensor a formula saved, under the name PyTorch's node shows it by (grad_fn._saved_self,
// _saved_other, _saved_result): for looking inside the graph, not for computing.
struct NamedSavedTensor {
  const char* name;
  std::shared_ptr<const SavedTensor> saved;
};

class FormulaNode : public Node {
 public:
  // `saves_tensors`: false for a formula that keeps no tensor (AddBackward0, ToCopyBackward0): as in
  // PyTorch, a second backward through it without retain_graph works (there is nothing to free).
  FormulaNode(std::string name, std::vector<Edge> next_edges, BackwardFormula formula, bool saves_tensors = true)
      : Node(std::move(name), std::move(next_edges)), formula_(std::move(formula)), saves_tensors_(saves_tensors) {}
  TensorList apply(TensorList&& grad_outputs) override;
  void release_saved() override {
    if (!saves_tensors_) return;
    formula_ = nullptr;
    named_saved_.clear();
  }
  bool released() const { return saves_tensors_ && !formula_; }

  void set_named_saved(std::vector<NamedSavedTensor> named) { named_saved_ = std::move(named); }
  const std::vector<NamedSavedTensor>& named_saved() const { return named_saved_; }

 private:
  BackwardFormula formula_;
  bool saves_tensors_;
  std::vector<NamedSavedTensor> named_saved_;
};

}  // namespace cr
