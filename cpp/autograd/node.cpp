// Node bookkeeping (outputs, hooks, creation order), AccumulateGrad and FormulaNode.
#include "autograd/node.h"

#include <algorithm>
#include <atomic>

#include "autograd/grad_mode.h"
#include "ops/copy.h"
#include "ops/elementwise.h"

namespace cr {

namespace {
std::atomic<uint64_t> g_next_sequence_nr{0};
}

uint64_t next_sequence_nr() { return g_next_sequence_nr.load(); }

std::mutex& grad_accumulation_mutex() {
  static std::mutex m;
  return m;
}

Node::Node(std::string name, std::vector<Edge> next_edges)
    : name_(std::move(name)), next_edges_(std::move(next_edges)), sequence_nr_(g_next_sequence_nr++) {}

Node::~Node() {
  // Destroying a node would destroy its next nodes from inside its destructor, 100,000 frames deep
  // for a long chain. Instead, take over the edges of every node about to die and let it die with
  // none; saved tensors are dropped after the edges, when their grad_fn is still held here.
  std::vector<std::shared_ptr<Node>> dying;
  for (Edge& e : next_edges_) {
    if (e.node) dying.push_back(std::move(e.node));
  }
  while (!dying.empty()) {
    std::shared_ptr<Node> n = std::move(dying.back());
    dying.pop_back();
    if (n.use_count() != 1) continue;
    for (Edge& e : n->next_edges_) {
      if (e.node) dying.push_back(std::move(e.node));
    }
    n->release_saved();
  }
}

uint32_t Node::add_output(const TensorImpl& output) {
  outputs_.push_back({output.sizes(), output.dtype(), output.device()});
  return static_cast<uint32_t>(outputs_.size() - 1);
}

int Node::add_pre_hook(uint32_t output_nr, GradHook hook) {
  pre_hooks_.push_back({next_hook_id_, output_nr, std::move(hook)});
  return next_hook_id_++;
}

void Node::remove_pre_hook(int id) {
  pre_hooks_.erase(std::remove_if(pre_hooks_.begin(), pre_hooks_.end(), [id](const PreHook& h) { return h.id == id; }),
                   pre_hooks_.end());
}

namespace {
thread_local const std::unordered_set<const Node*>* needed_nodes = nullptr;  // null: every input with an edge
}  // namespace

NeededNodesGuard::NeededNodesGuard(const std::unordered_set<const Node*>* needed) : outer_(needed_nodes) {
  needed_nodes = needed;
}

NeededNodesGuard::~NeededNodesGuard() { needed_nodes = outer_; }

bool Node::needs_input_grad(size_t i) const {
  if (i >= next_edges_.size() || !next_edges_[i].node) return false;
  return !needed_nodes || needed_nodes->count(next_edges_[i].node.get()) > 0;
}

void Node::run_pre_hooks(TensorList& grads) const {
  for (const PreHook& h : pre_hooks_) {
    Tensor& g = grads[h.output_nr];
    if (!g) continue;
    if (Tensor replaced = h.fn(g)) g = replaced;
  }
}

AccumulateGrad::AccumulateGrad(Tensor leaf) : Node("AccumulateGrad", {}), leaf_(std::move(leaf)) {
  add_output(*leaf_);
}

void AccumulateGrad::run_pre_hooks(TensorList& grads) const {
  Node::run_pre_hooks(grads);
  Tensor& g = grads[0];
  if (!g) return;
  for (const GradHook& hook : leaf_->hooks()) {
    if (!hook) continue;  // removed
    if (Tensor replaced = hook(g)) g = replaced;
  }
}

TensorList AccumulateGrad::apply(TensorList&& grad_outputs) {
  Tensor g = grad_outputs[0];  // the leaf's hooks ran in run_pre_hooks
  {
    std::lock_guard<std::mutex> lock(grad_accumulation_mutex());  // after the hooks: they may take the GIL
    const Tensor& current = leaf_->grad();
    if (!current) {
      // Keep the gradient itself only when nothing else can see it; otherwise store a copy, so that
      // an optimizer updating .grad in place never changes another tensor.
      bool sole_owner = g.use_count() <= 2 && g->storage().use_count() == 1;
      leaf_->set_grad(GradMode::is_enabled() || sole_owner ? g : clone(g));
    } else if (GradMode::is_enabled()) {
      leaf_->set_grad(binary(BinaryOp::Add, current, g));  // create_graph: keep the sum differentiable
    } else {
      binary_(BinaryOp::Add, current, g);
    }
  }
  for (const PostAccumulateGradHook& hook : leaf_->post_accumulate_grad_hooks()) {
    if (hook) hook(leaf_);
  }
  return {};
}

TensorList FormulaNode::apply(TensorList&& grad_outputs) {
  CR_CHECK(formula_ != nullptr, RuntimeError, name(),
           ": trying to backward through the graph a second time (or to use saved tensors after they were freed). "
           "Pass retain_graph=True to the first backward() or autograd.grad() if you need to backward twice.");
  return formula_(grad_outputs, *this);
}

}  // namespace cr
