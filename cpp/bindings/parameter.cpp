// What chainrule.nn needs from the bound Tensor class: Tensor._make_subclass (a Python subclass
// instance, e.g. nn.Parameter, aliasing another tensor's data), the `data` setter (p.data = t),
// copy.deepcopy of tensors, and the in-place random fills uniform_/normal_ behind nn.init.
#include "autograd/grad_mode.h"
#include "bindings/bindings.h"
#include "ops/copy.h"
#include "ops/random_fill.h"

namespace cr::bind {

namespace {

// An instance of the Python class `subtype` (a subclass of Tensor) wrapping a detached alias of
// data's storage with requires_grad set, as torch.Tensor._make_subclass.
py::object make_subclass(const py::type& subtype, const Tensor& data, bool requires_grad) {
  CR_CHECK(subtype.is(py::type::of<TensorImpl>()) || PyType_IsSubtype(
               reinterpret_cast<PyTypeObject*>(subtype.ptr()),
               reinterpret_cast<PyTypeObject*>(py::type::of<TensorImpl>().ptr())),
           TypeError, "_make_subclass: ", std::string(py::str(subtype)), " is not a subclass of Tensor");
  Tensor alias = TensorImpl::alias_of(data);
  alias->set_requires_grad(requires_grad, "Parameter");
  // Tensor.__new__ allocates the instance without a holder; init_instance then installs `alias`
  // as its holder and registers it, exactly as a bound constructor returning a holder would.
  py::object obj = py::type::of<TensorImpl>().attr("__new__")(subtype);
  auto* inst = reinterpret_cast<py::detail::instance*>(obj.ptr());
  auto* info = py::detail::get_type_info(typeid(TensorImpl));
  py::detail::value_and_holder v_h = inst->get_value_and_holder(info);
  v_h.value_ptr() = alias.get();
  info->init_instance(inst, &alias);
  return obj;
}

// self takes data's storage, geometry, dtype and device, keeping its identity and autograd fields
// (requires_grad, grad, grad_fn, hooks), as `tensor.data = other` in PyTorch (Module.cuda() moves
// parameters so). A meta tensor and one with memory do not trade data, as in PyTorch.
void set_data(const Tensor& self, const Tensor& data) {
  CR_CHECK(data->device().is_meta() == self->device().is_meta(), RuntimeError,
           "Attempted to call `variable.set_data(tensor)`, but `variable` and `tensor` have incompatible tensor type.");
  const bool leaf_requires_grad = self->is_leaf() && self->requires_grad();
  CR_CHECK(!leaf_requires_grad || is_floating(data->dtype()), RuntimeError,
           "data: cannot assign a ", describe(data), " to a tensor that requires grad (needs a floating dtype)");
  Tensor grad = self->grad();
  std::shared_ptr<Node> grad_fn = self->grad_fn();
  uint32_t output_nr = self->output_nr();
  // The gradient accumulator records the leaf's dtype and shape: keep it only while those stay (PyTorch
  // resets it on a dtype change), so that model.double() after a forward still backpropagates.
  std::weak_ptr<Node> accumulator;
  if (data->dtype() == self->dtype() && data->sizes() == self->sizes()) accumulator = self->grad_accumulator();
  bool retains_grad = self->retains_grad();
  std::vector<GradHook> hooks = self->hooks();
  *self = TensorImpl(data->storage(), data->sizes(), data->strides(), data->offset(), data->dtype());
  if (leaf_requires_grad) self->set_requires_grad(true, "data");
  self->set_grad(std::move(grad));
  self->set_grad_fn(std::move(grad_fn), output_nr);
  self->grad_accumulator() = std::move(accumulator);
  if (retains_grad) self->set_retains_grad();
  self->hooks() = std::move(hooks);
}

// copy.deepcopy of a plain tensor: fresh storage, same requires_grad, and a copy of the grad.
Tensor deep_copy(const Tensor& self) {
  CR_CHECK(self->is_leaf(), RuntimeError,
           "deepcopy: only tensors created explicitly by the user (graph leaves) support the deepcopy "
           "protocol; detach() a result of an op first");
  GradModeGuard no_record(false);
  Tensor out = clone(self);
  out->set_requires_grad(self->requires_grad(), "deepcopy");
  if (self->grad()) out->set_grad(clone(self->grad()));
  return out;
}

}  // namespace

void bind_parameter(py::module_& m, TensorClass& cls) {
  cls.def_static("_make_subclass", &make_subclass, py::arg("cls"), py::arg("data"),
                 py::arg("require_grad") = false,
                 "An instance of the Tensor subclass `cls` sharing data's storage, detached, with requires_grad set.")
      .def_property("data", &TensorImpl::alias_of, &set_data,
                    "This tensor's data, outside the autograd graph; assigning replaces it in place.")
      .def("__deepcopy__", [](const Tensor& self, py::dict) { return deep_copy(self); }, py::arg("memo"))
      .def("uniform_", [](const Tensor& t, double from, double to, py::handle generator) {
             with_generator(generator, [&](Generator& g) { uniform_(t, from, to, g); return 0; }, Elements{t->numel()});
             return t;
           }, py::arg("from") = 0.0, py::arg("to") = 1.0, py::kw_only(), py::arg("generator") = py::none(),
           "Fills the tensor with samples of U[from, to), in place.")
      .def("normal_", [](const Tensor& t, double mean, double std, py::handle generator) {
             with_generator(generator, [&](Generator& g) { normal_(t, mean, std, g); return 0; }, Elements{t->numel()});
             return t;
           }, py::arg("mean") = 0.0, py::arg("std") = 1.0, py::kw_only(), py::arg("generator") = py::none(),
           "Fills the tensor with samples of N(mean, std^2), in place.");
  (void)m;
}

}  // namespace cr::bind
