// The pieces of the chainrule._C module, one binding file each; module.cpp calls them in order.
#pragma once

#include "bindings/convert.h"
#include "bindings/gil.h"
#include "core/cuda_generator.h"
#include "core/random.h"
#include "ops/reduce.h"  // ValuesIndices

namespace cr::bind {

using TensorClass = py::class_<TensorImpl, Tensor>;

void bind_types(py::module_& m);                          // dtype, device, errors (types.cpp)
void bind_keyword_dispatch(py::module_& m);  // _KeywordDispatch, under out= of functions (keyword_dispatch.cpp)
void bind_cuda_runtime(py::module_& m);                   // device queries, events, OutOfMemoryError (cuda_runtime.cpp)
void bind_tensor_basics(py::module_& m, TensorClass& cls);  // properties, item, tolist (tensor_basics.cpp)
void bind_numpy(py::module_& m, TensorClass& cls);        // from_numpy, numpy(), tensor data (numpy_interop.cpp)
void bind_creation(py::module_& m);                       // zeros, arange, rand, ... (creation.cpp)
void bind_view(py::module_& m, TensorClass& cls);         // view, reshape, permute, ... (view.cpp)
void bind_elementwise(py::module_& m, TensorClass& cls);  // + - * / and math (elementwise.cpp)
void bind_matmul(py::module_& m, TensorClass& cls);      // @, matmul, mm, bmm, dot, outer, mv (matmul.cpp)
void bind_index(py::module_& m, TensorClass& cls);     // [], gather, scatter (index.cpp)
void bind_join(py::module_& m, TensorClass& cls);      // cat, stack, split, chunk (join.cpp)
void bind_autograd(py::module_& m, TensorClass& cls);  // backward, grad_fn, hooks, grad mode (autograd.cpp)
void bind_autocast(py::module_& m);  // autocast regions' state and casts (autocast.cpp)
void bind_saved_tensor_hooks(py::module_& m);  // autograd.graph.saved_tensors_hooks (saved_tensor_hooks.cpp)
void bind_reduce(py::module_& m, TensorClass& cls);      // sum, max, var, softmax, ... (reduce.cpp)
void bind_optim(py::module_& m);  // _C._optim: fused optimizer steps (optim.cpp)
void bind_parameter(py::module_& m, TensorClass& cls);  // _make_subclass, data setter, deepcopy, uniform_/normal_ (parameter.cpp)
void bind_normalization(py::module_& nn);                // batch/layer/group norm on _C._nn (normalization.cpp)
void bind_dropout(py::module_& nn);                      // the dropout family on _C._nn (dropout.cpp)
void bind_pool(py::module_& nn);                         // pooling in _C._nn (pool.cpp)
void bind_pad_interpolate(py::module_& nn);              // pad, upsampling in _C._nn (pad_interpolate.cpp)
void bind_conv(py::module_& nn);  // conv1d/2d, conv_transpose1d/2d in _C._nn (conv.cpp)
void bind_activation(py::module_& nn);                   // relu6, gelu, silu, elu, ... (activation.cpp)
void bind_loss(py::module_& nn);                         // mse, nll, cross_entropy, ... (loss.cpp)
void bind_linear(py::module_& nn);    // linear in _C._nn (linear.cpp)
void bind_rnn_cell(py::module_& nn);  // lstm/gru/rnn_cell_pointwise, rnn_sequence in _C._nn (rnn_cell.cpp)
void bind_sort(py::module_& m, TensorClass& cls);       // sort, argsort, topk (sort.cpp)
void bind_rearrange(py::module_& m, TensorClass& cls);  // flip, roll, repeat, tile, tril, triu (rearrange.cpp)
void bind_sampling(py::module_& m, TensorClass& cls);   // randperm, multinomial (sampling.cpp)
void bind_special(py::module_& m, TensorClass& cls);    // lgamma, digamma, polygamma, erfinv (special.cpp)
void bind_resize(py::module_& m, TensorClass& cls);     // resize_, set_, share_memory_ (resize.cpp)
// Last: axis=/keepdims= accepted for dim=/keepdim= by every function with a dim (numpy_names.cpp).
void bind_numpy_names(py::module_& m, TensorClass& cls);

// A Scalar as the Python number it came from (bool, int or float).
py::object scalar_to_py(const Scalar& s);

// chainrule.return_types.<name> (max, min, sort, topk): a named tuple (values, indices) like
// torch.return_types (defined in reduce.cpp).
py::object values_indices(const ValuesIndices& r, const char* name);

// draw(g) with the generator a `generator=` argument names: the global one for None and for
// chainrule.default_generator; for a chainrule.Generator(device="cuda"), the stand-in for its CUDA
// generator (`_cuda`); for a CPU chainrule.Generator, a private one seeded from its stream
// (chainrule._generator.seed_for_op), so the Generator advances with each call as PyTorch's does. The draws run without the GIL when
// `samples` is large (the generator's lock keeps two threads' draws apart).
template <typename Draw>
auto with_generator(py::handle generator, const Draw& draw, Elements samples = {0}) {
  if (generator.is_none() || py::hasattr(generator, "_global"))  // None or chainrule.default_generator
    return run_without_gil([&] { return draw(Generator::global()); }, samples);
  py::object cuda = py::getattr(generator, "_cuda", py::none());
  if (!cuda.is_none()) {
    Generator stand_in(cuda.cast<CudaGenerator&>());
    return run_without_gil([&] { return draw(stand_in); }, samples);
  }
  Generator own(py::module_::import("chainrule._generator").attr("seed_for_op")(generator).cast<uint64_t>());
  return run_without_gil([&] { return draw(own); }, samples);
}

// A method on Tensor and a chainrule function whose first argument is `input`.
template <typename F, typename... Extra>
void def_both(py::module_& m, TensorClass& cls, const char* name, F&& f, const Extra&... extra) {
  cls.def(name, f, extra...);
  m.def(name, f, py::arg("input"), extra...);
}

}  // namespace cr::bind
