// Saving and unpacking tensors for backward, with the in-place modification check.
#include "autograd/saved_tensor.h"

namespace cr {

SavedTensor::SavedTensor(const Tensor& t, bool is_output) : version_(t->version()), is_output_(is_output) {
  if (is_output) {
    data_ = TensorImpl::alias_of(t);
    output_nr_ = t->output_nr();
  } else {
    data_ = t;
  }
}

Tensor SavedTensor::unpack(const Node& node) const {
  if (!data_) return nullptr;
  CR_CHECK(data_->version() == version_, RuntimeError,
           "one of the tensors needed for gradient computation has been modified by an in-place operation: ",
           node.name(), " saved a ", describe(data_), " at version ", version_, ", and it is now at version ",
           data_->version(), ". Avoid changing it in place (use an out-of-place op such as x = x + 1 "
           "instead of x += 1) before calling backward.");
  if (!is_output_) return data_;
  Tensor t = TensorImpl::alias_of(data_);
  t->set_grad_fn(std::const_pointer_cast<Node>(node.shared_from_this()), output_nr_);
  return t;
}

}  // namespace cr
