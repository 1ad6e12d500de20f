// Backpropagation: runs the recorded graph in reverse, from output gradients to input gradients.
#pragma once

#include "autograd/node.h"

namespace cr {

// Backward from `roots`, seeded with `root_grads` (same length; a null entry means ones for a
// one-element root, as Tensor.backward() does). With `inputs` empty, gradients accumulate into
// the .grad of the leaves (Tensor.backward); otherwise the gradient w.r.t. each input is returned
// (null where unreachable unless !allow_unused, which raises) and no .grad is touched
// (autograd.grad). keep_graph keeps saved tensors for another backward; create_graph records the
// backward ops themselves, so the results can be differentiated again.
TensorList run_backward(const TensorList& roots, const TensorList& root_grads, bool keep_graph, bool create_graph,
                        const TensorList& inputs = {}, bool allow_unused = false);

}  // namespace cr
