// Saving and unpacking tensors for backward, with the in-place modification check.
#include "autograd/saved_tensor.h"

#include <utility>

#include "autograd/grad_mode.h"
#include "autograd/record.h"

namespace cr {

namespace {

void check_version(const Tensor& t, uint64_t version, const Node& node) {
  CR_CHECK(t->version() == version, RuntimeError,
           "one of the tensors needed for gradient computation has been modified by an in-place operation: ",
           node.name(), " saved a ", describe(t), " at version ", version, ", and it is now at version ",
           t->version(), ". Avoid changing it in place (use an out-of-place op such as x = x + 1 "
           "instead of x += 1) before calling backward.");
}

thread_local uint64_t saved_count = 0;
thread_local std::vector<NamedSavedTensor> named_saved;

}  // namespace

uint64_t SavedTensor::take_saved_count() {
  const uint64_t n = saved_count;
  saved_count = 0;
  return n;
}

std::vector<NamedSavedTensor> SavedTensor::take_named() { return std::exchange(named_saved, {}); }

SavedTensor::SavedTensor(const Tensor& t, bool is_output, const char* name)
    : version_(t->version()), is_output_(is_output) {
  ++saved_count;
  save(t);
  if (name) named_saved.push_back({name, std::make_shared<const SavedTensor>(*this)});
}

void SavedTensor::save(const Tensor& t) {
  if (is_output_) output_nr_ = t->output_nr();
  if (auto hooks = current_saved_tensor_hooks()) {
    // The pack hook sees an output without its history (keeping it whole would make a cycle
    // through the node), and runs without recording (its own ops save nothing).
    GradModeGuard plain(false);
    hooks_ = std::move(hooks);
    packed_ = hooks_->pack(is_output_ ? TensorImpl::alias_of(t) : t);
    watched_ = t;
    if (!is_output_ && (t->grad_fn() || t->requires_grad())) history_ = gradient_edge(t);
    return;
  }
  if (is_output_) {
    data_ = TensorImpl::alias_of(t);
  } else {
    data_ = t;
  }
}

Tensor SavedTensor::unpack(const Node& node) const {
  if (packed_) {
    if (Tensor original = watched_.lock()) check_version(original, version_, node);
    // Unpacked, the tensor takes the saved one's place in the graph (its history, or this node for
    // an output), so double backward differentiates through it as through the original.
    Tensor t = hooks_->unpack(packed_);
    if (!is_output_ && !history_.node) return t;
    Tensor attached = TensorImpl::alias_of(t);
    if (is_output_) attached->set_grad_fn(std::const_pointer_cast<Node>(node.shared_from_this()), output_nr_);
    else attached->set_grad_fn(history_.node, history_.input_nr);
    return attached;
  }
  if (!data_) return nullptr;
  check_version(data_, version_, node);
  if (!is_output_) return data_;
  Tensor t = TensorImpl::alias_of(data_);
  t->set_grad_fn(std::const_pointer_cast<Node>(node.shared_from_this()), output_nr_);
  return t;
}

}  // namespace cr
