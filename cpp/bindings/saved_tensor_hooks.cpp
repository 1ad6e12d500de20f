// torch.autograd.graph.saved_tensors_hooks' pair of Python callables, installed in the core's
// per-thread stack (autograd/saved_tensor_hooks.h): _push_saved_tensor_hooks(pack, unpack),
// _pop_saved_tensor_hooks(), _current_saved_tensor_hooks() -> (pack, unpack) or None.
#include "autograd/saved_tensor_hooks.h"
#include "bindings/bindings.h"
#include "bindings/gil.h"

namespace cr::bind {

namespace {

// A Python object the core may keep, copy and drop without the GIL (the drop takes it).
std::shared_ptr<void> held(py::object obj) {
  return std::shared_ptr<void>(new py::object(std::move(obj)), [](void* p) {
    if (!Py_IsInitialized()) return;  // interpreter gone: nothing left to release
    py::gil_scoped_acquire gil;
    delete static_cast<py::object*>(p);
  });
}

class PythonSavedTensorHooks : public SavedTensorHooks {
 public:
  PythonSavedTensorHooks(py::function pack, py::function unpack) : pack_(std::move(pack)), unpack_(std::move(unpack)) {}

  std::shared_ptr<void> pack(const Tensor& t) const override {
    py::gil_scoped_acquire gil;
    return held(pack_.get()(t));
  }

  Tensor unpack(const std::shared_ptr<void>& packed) const override {
    py::gil_scoped_acquire gil;
    py::object out = unpack_.get()(*static_cast<const py::object*>(packed.get()));
    CR_CHECK(is_tensor(out), TypeError, "Output of saved tensor unpack_hook expected to be a Tensor but got result of type ",
             py::str(py::type::of(out).attr("__name__")).cast<std::string>());
    return out.cast<Tensor>();
  }

  py::tuple callables() const { return py::make_tuple(pack_.get(), unpack_.get()); }

 private:
  PythonCallable pack_, unpack_;
};

}  // namespace

void bind_saved_tensor_hooks(py::module_& m) {
  m.def("_push_saved_tensor_hooks", [](py::function pack, py::function unpack) {
    push_saved_tensor_hooks(std::make_shared<PythonSavedTensorHooks>(std::move(pack), std::move(unpack)));
  }, py::arg("pack_hook"), py::arg("unpack_hook"));
  m.def("_pop_saved_tensor_hooks", &pop_saved_tensor_hooks);
  m.def("_current_saved_tensor_hooks", []() -> py::object {
    auto hooks = std::dynamic_pointer_cast<const PythonSavedTensorHooks>(current_saved_tensor_hooks());
    return hooks ? py::object(hooks->callables()) : py::object(py::none());
  });
}

}  // namespace cr::bind
