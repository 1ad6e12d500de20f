// A tensor saved for backward. It remembers the version it was saved at and refuses to be used
// after an in-place op changed it (a wrong gradient would follow). An op's own output is saved as
// an alias without history, so the output -> grad_fn -> saved output cycle never forms; unpacking
// it inside backward reattaches the node, which keeps double backward working. Under saved-tensor
// hooks (autograd/saved_tensor_hooks.h) it keeps what the pack hook returned instead; the in-place
// check then holds while the tensor itself lives (after that nothing can change it).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "autograd/node.h"
#include "autograd/saved_tensor_hooks.h"

namespace cr {

class SavedTensor {
 public:
  // How many tensors this thread saved since the last call (record() asks whether its formula saved any).
  static uint64_t take_saved_count();

  // The named SavedTensors this thread made since the last call (record() hands them to its node).
  static std::vector<NamedSavedTensor> take_named();

  SavedTensor() = default;
  // `is_output`: t is an output of the node that saves it. `name`: what the node shows it as, in
  // PyTorch's words ("self", "other", "result": grad_fn._saved_self), or null.
  SavedTensor(const Tensor& t, bool is_output, const char* name = nullptr);

  // The saved tensor as seen by `node`'s backward; RuntimeError if it was modified in place.
  Tensor unpack(const Node& node) const;
  bool defined() const { return data_ != nullptr || packed_ != nullptr; }

 private:
  void save(const Tensor& t);  // keeps t, or what the pack hook makes of it

  Tensor data_;
  std::shared_ptr<const SavedTensorHooks> hooks_;  // with packed_, under saved-tensor hooks
  std::shared_ptr<void> packed_;
  std::weak_ptr<TensorImpl> watched_;  // the saved tensor, for the in-place check under hooks
  Edge history_;  // under hooks, where a saved input's gradient went: the unpacked tensor gets it back
  uint64_t version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
};

}  // namespace cr
