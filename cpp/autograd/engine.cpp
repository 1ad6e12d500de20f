// The engine: an iterative walk of the graph (no recursion, so a chain of 100,000 ops is fine),
// dependency counts so each node runs once with all its gradients summed, later nodes first.
#include "autograd/engine.h"

#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "autograd/grad_mode.h"
#include "autograd/record.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"

namespace cr {

namespace {

struct Later {  // heap order: the node created last runs first
  bool operator()(const Node* a, const Node* b) const { return a->sequence_nr() < b->sequence_nr(); }
};

// Number of edges arriving at each node reachable from the roots.
std::unordered_map<Node*, int> count_dependencies(const std::vector<Node*>& roots) {
  std::unordered_map<Node*, int> deps;
  std::unordered_set<Node*> seen(roots.begin(), roots.end());
  std::vector<Node*> stack(seen.begin(), seen.end());  // each root once: two outputs of one node may both be roots
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges()) {
      if (!e.node) continue;
      deps[e.node.get()] += 1;
      if (seen.insert(e.node.get()).second) stack.push_back(e.node.get());
    }
  }
  return deps;
}

// Nodes that lead to one of `targets` (including the targets): only these run for autograd.grad.
std::unordered_set<const Node*> nodes_leading_to(const std::vector<Node*>& roots,
                                                 const std::unordered_set<Node*>& targets) {
  std::unordered_set<const Node*> needed;
  std::unordered_set<Node*> visited;
  std::vector<std::pair<Node*, size_t>> stack;  // (node, next edge to visit): iterative post-order
  for (Node* r : roots) {
    if (!visited.insert(r).second) continue;
    stack.push_back({r, 0});
    while (!stack.empty()) {
      auto& [n, i] = stack.back();
      if (i < n->next_edges().size()) {
        Node* next = n->next_edges()[i++].node.get();
        if (next && visited.insert(next).second) stack.push_back({next, 0});
        continue;
      }
      bool need = targets.count(n) > 0;
      for (const Edge& e : n->next_edges()) need = need || (e.node && needed.count(e.node.get()));
      if (need) needed.insert(n);
      stack.pop_back();
    }
  }
  return needed;
}

// Sums gradients arriving at one slot. Like PyTorch's InputBuffer, the sum goes into the slot's own
// memory when nothing else can see it (outside create_graph), which saves an allocation for every
// extra use of a tensor: a weight used at each step of a sequence, a residual branch.
void accumulate(Tensor& slot, const Tensor& g) {
  if (!slot) {
    slot = g;
  } else if (!GradMode::is_enabled() && !slot->requires_grad() && slot.use_count() == 1 &&
             slot->storage().use_count() == 1 && slot->sizes() == g->sizes() && slot->dtype() == g->dtype()) {
    binary_(BinaryOp::Add, slot, g);
  } else {
    slot = binary(BinaryOp::Add, slot, g);
  }
}

// A gradient must match its input's shape and device; a 0-d gradient on another device (a number's
// gradient, for a 0-d CPU tensor used with GPU tensors) moves to the input's, and a gradient of
// another dtype is cast to the input's (a bfloat16 product's gradient under autocast, for a float32
// input), as PyTorch's validate_outputs does.
void check_gradient(const Node& from, size_t i, Tensor& g, const Node& to, uint32_t slot) {
  const OutputMeta& meta = to.outputs()[slot];
  if (g->device() != meta.device && g->dim() == 0) g = to_device(g, meta.device);
  CR_CHECK(g->device() == meta.device, RuntimeError, "autograd: ", from.name(), " returned a gradient on ",
           g->device(), " for its input ", i, ", which is on ", meta.device);
  CR_CHECK(g->sizes() == meta.sizes, RuntimeError, "autograd: ", from.name(), " returned a gradient of shape ",
           g->sizes(), " for its input ", i, ", which has shape ", meta.sizes);
  if (g->dtype() != meta.dtype) g = to_dtype(g, meta.dtype);
}

// Anomaly mode: a backward function that returns NaN fails here, naming itself (PyTorch's message).
void check_no_nan(const Node& node, const TensorList& input_grads) {
  GradModeGuard no_record(false);
  for (size_t i = 0; i < input_grads.size(); ++i) {
    const Tensor& g = input_grads[i];
    CR_CHECK(!g || !item(any(binary(BinaryOp::Ne, g, g))).i, RuntimeError, "Function '", node.name(),
             "' returned nan values in its ", i, "th output.");
  }
}

Tensor seed_gradient(const Tensor& root, const Tensor& grad, size_t i) {
  if (!grad) {
    CR_CHECK(root->numel() == 1, RuntimeError, "backward: grad can be implicitly created only for scalar outputs; "
             "output ", i, " has shape ", root->sizes(), ", so pass a gradient of that shape");
    return ones(root->sizes(), root->dtype(), root->device());
  }
  CR_CHECK(grad->sizes() == root->sizes(), ValueError, "backward: gradient ", i, " has shape ", grad->sizes(),
           " but the output has shape ", root->sizes());
  return grad->dtype() == root->dtype() ? grad : nullptr;
}

}  // namespace

TensorList run_backward(const TensorList& roots, const TensorList& root_grads, bool keep_graph, bool create_graph,
                        const TensorList& inputs, bool allow_unused) {
  GradModeGuard mode(create_graph);
  std::unordered_map<Node*, TensorList> buffers;
  std::vector<Node*> root_nodes;
  std::vector<std::shared_ptr<Node>> keep_alive;
  for (size_t i = 0; i < roots.size(); ++i) {
    Edge e = gradient_edge(roots[i]);
    CR_CHECK(e.node, RuntimeError, "backward: output ", i, " does not require grad and has no grad_fn "
             "(did it come from tensors with requires_grad=True, outside no_grad()?)");
    Tensor g = seed_gradient(roots[i], root_grads[i], i);
    CR_CHECK(g, DTypeError, "backward: gradient ", i, " is ", dtype_name(root_grads[i]->dtype()), " but the output is ",
             dtype_name(roots[i]->dtype()));
    TensorList& buf = buffers[e.node.get()];
    buf.resize(e.node->outputs().size());
    accumulate(buf[e.input_nr], g);
    root_nodes.push_back(e.node.get());
    keep_alive.push_back(e.node);
  }

  // autograd.grad: capture gradients where they reach each input instead of accumulating .grad.
  std::unordered_map<Node*, std::vector<std::pair<uint32_t, size_t>>> captures;  // node -> (slot, input index)
  std::unordered_set<Node*> targets;
  TensorList results(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    Edge e = gradient_edge(inputs[i]);
    CR_CHECK(e.node, RuntimeError, "grad: input ", i, " does not require grad");
    captures[e.node.get()].push_back({e.input_nr, i});
    targets.insert(e.node.get());
    keep_alive.push_back(e.node);
  }
  const bool only_inputs = !inputs.empty();
  const std::unordered_set<const Node*> needed =
      only_inputs ? nodes_leading_to(root_nodes, targets) : std::unordered_set<const Node*>{};
  // Formulas skip the gradients of inputs that lead to no tensor asked for (a weight's, in
  // autograd.grad(loss, x)), as PyTorch's engine does.
  NeededNodesGuard only_needed(only_inputs ? &needed : nullptr);

  std::unordered_map<Node*, int> deps = count_dependencies(root_nodes);
  std::priority_queue<Node*, std::vector<Node*>, Later> ready;
  std::unordered_set<Node*> queued;
  for (Node* r : root_nodes) {
    if (deps[r] == 0 && queued.insert(r).second) ready.push(r);
  }

  while (!ready.empty()) {
    Node* node = ready.top();
    ready.pop();
    TensorList grads = std::move(buffers[node]);
    buffers.erase(node);
    grads.resize(node->outputs().size());
    node->run_pre_hooks(grads);
    if (auto it = captures.find(node); it != captures.end()) {
      for (auto [slot, index] : it->second) results[index] = grads[slot];
    }

    bool any_grad = false;
    for (const Tensor& g : grads) any_grad = any_grad || g;
    // autograd.grad runs only nodes that pass gradients on towards an input; an input's own grad_fn
    // just has its gradient captured (it is not run, and keeps its saved tensors for later).
    bool leads_on = !only_inputs;
    for (const Edge& e : node->next_edges()) leads_on = leads_on || (e.node && needed.count(e.node.get()));
    bool run = any_grad && leads_on;
    TensorList input_grads;
    if (run) {
      for (size_t k = 0; k < grads.size(); ++k) {  // missing output gradients count as zeros
        if (!grads[k]) grads[k] = zeros(node->outputs()[k].sizes, node->outputs()[k].dtype, node->outputs()[k].device);
      }
      input_grads = node->apply(std::move(grads));
      if (AnomalyMode::is_enabled() && AnomalyMode::should_check_nan()) check_no_nan(*node, input_grads);
      if (!keep_graph) node->release_saved();
    }

    const auto& edges = node->next_edges();
    for (size_t i = 0; i < edges.size(); ++i) {
      Node* next = edges[i].node.get();
      if (!next) continue;
      if (i < input_grads.size() && input_grads[i]) {
        check_gradient(*node, i, input_grads[i], *next, edges[i].input_nr);
        TensorList& buf = buffers[next];
        buf.resize(next->outputs().size());
        accumulate(buf[edges[i].input_nr], input_grads[i]);
      }
      if (--deps[next] == 0 && queued.insert(next).second) ready.push(next);
    }
  }

  for (size_t i = 0; i < inputs.size(); ++i) {
    CR_CHECK(results[i] || allow_unused, RuntimeError, "grad: input ", i,
             " was not used to compute the outputs (pass allow_unused=True to get None for it)");
  }
  return results;
}

}  // namespace cr
