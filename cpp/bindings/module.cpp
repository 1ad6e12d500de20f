// chainrule._C: the compiled core. This file only assembles the module from the binding files.
#include "bindings/bindings.h"

PYBIND11_MODULE(_C, m) {
  m.doc() = "chainrule's C++ core: tensors, ops and autograd";
  using namespace cr::bind;
  bind_types(m);
  bind_keyword_dispatch(m);
  bind_cuda_runtime(m);
  // dynamic_attr: a tensor takes any Python attribute, as a torch.Tensor does (Informer's `pe.require_grad = False`).
  TensorClass cls(m, "Tensor", "An n-dimensional array on a device, with autograd fields.", py::dynamic_attr());
  bind_tensor_basics(m, cls);
  bind_numpy(m, cls);
  bind_creation(m);
  bind_view(m, cls);
  bind_elementwise(m, cls);
  bind_matmul(m, cls);
  bind_index(m, cls);
  bind_join(m, cls);
  bind_reduce(m, cls);
  bind_sort(m, cls);
  bind_rearrange(m, cls);
  bind_sampling(m, cls);
  bind_special(m, cls);
  bind_resize(m, cls);
  bind_autograd(m, cls);
  bind_autocast(m);
  bind_saved_tensor_hooks(m);
  // Neural-network ops (convolution, pooling, normalization, losses, ...) behind chainrule.nn.functional.
  py::module_ nn = m.def_submodule("_nn", "chainrule's neural-network ops (see chainrule.nn.functional)");
  bind_optim(m);
  bind_parameter(m, cls);
  bind_normalization(nn);
  bind_dropout(nn);
  bind_pool(nn);
  bind_pad_interpolate(nn);
  bind_conv(nn);
  bind_activation(nn);
  bind_loss(nn);
  bind_linear(nn);
  bind_rnn_cell(nn);
  bind_numpy_names(m, cls);  // last: wraps what the calls above bound
}
