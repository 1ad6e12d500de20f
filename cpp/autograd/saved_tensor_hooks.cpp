// The per-thread stack of saved-tensor hooks (autograd/saved_tensor_hooks.h).
#include "autograd/saved_tensor_hooks.h"

#include <vector>

#include "core/error.h"

namespace cr {

namespace {
thread_local std::vector<std::shared_ptr<const SavedTensorHooks>> installed;
}  // namespace

void push_saved_tensor_hooks(std::shared_ptr<const SavedTensorHooks> hooks) { installed.push_back(std::move(hooks)); }

void pop_saved_tensor_hooks() {
  CR_CHECK(!installed.empty(), RuntimeError, "saved_tensors_hooks: no hooks are installed on this thread to remove");
  installed.pop_back();
}

std::shared_ptr<const SavedTensorHooks> current_saved_tensor_hooks() {
  return installed.empty() ? nullptr : installed.back();
}

}  // namespace cr
