// torch.autograd.graph.saved_tensors_hooks in the core: while a pair of hooks is installed (a stack
// per thread; the innermost pair applies), a tensor saved for backward is kept as what pack(tensor)
// returns, and unpack(that) gives it back when backward needs it (save_on_cpu moves saved tensors
// to the host and back this way). The bindings implement the pair with Python callables.
#pragma once

#include <memory>

#include "core/tensor.h"

namespace cr {

class SavedTensorHooks {
 public:
  virtual ~SavedTensorHooks() = default;
  // What is kept instead of t: opaque to the core (a Python object, held by the bindings).
  virtual std::shared_ptr<void> pack(const Tensor& t) const = 0;
  // The tensor backward reads, from what pack returned.
  virtual Tensor unpack(const std::shared_ptr<void>& packed) const = 0;
};

void push_saved_tensor_hooks(std::shared_ptr<const SavedTensorHooks> hooks);
void pop_saved_tensor_hooks();
// The innermost pair installed on this thread; null when none is.
std::shared_ptr<const SavedTensorHooks> current_saved_tensor_hooks();

}  // namespace cr
