// Autograd in Python: Tensor.backward/grad_fn/retain_grad/register_hook, the graph's nodes, grad
// mode, and _run_backward behind chainrule.autograd.backward/grad.
#include <sstream>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "autograd/record.h"
#include "bindings/bindings.h"
#include "bindings/gil.h"
#include "ops/copy.h"
#include "ops/elementwise.h"

namespace cr::bind {

namespace {

// A Python callable as a gradient hook: it returns a replacement gradient or None. The engine runs
// without the GIL, so the hook takes it.
GradHook python_hook(py::function fn) {
  return [fn = PythonCallable(std::move(fn))](const Tensor& g) -> Tensor {
    py::gil_scoped_acquire gil;  // first in, last out: every Python object below dies under the GIL
    py::object r = fn.get()(g);
    if (r.is_none()) return nullptr;
    CR_CHECK(is_tensor(r), TypeError, "register_hook: the hook must return a tensor or None, got ",
             py::str(py::type::of(r)).cast<std::string>());
    Tensor out = r.cast<Tensor>();
    CR_CHECK(out->sizes() == g->sizes(), ValueError, "register_hook: the hook returned a gradient of shape ",
             out->sizes(), " for a gradient of shape ", g->sizes());
    return out;
  };
}

// Removes one hook: on a node (non-leaf tensors), or in one of a leaf's two lists.
struct HookHandle {
  std::weak_ptr<Node> node;
  std::weak_ptr<TensorImpl> leaf;
  int id;
  bool post_accumulate = false;
  void remove() {
    if (auto n = node.lock()) n->remove_pre_hook(id);
    auto t = leaf.lock();
    if (t && post_accumulate) t->post_accumulate_grad_hooks()[id] = nullptr;
    if (t && !post_accumulate) t->hooks()[id] = nullptr;
  }
};

HookHandle register_hook(const Tensor& t, py::function fn) {
  CR_CHECK(t->requires_grad(), RuntimeError, "register_hook: cannot register a hook on a tensor that doesn't require grad");
  if (t->grad_fn()) return {t->grad_fn(), {}, t->grad_fn()->add_pre_hook(t->output_nr(), python_hook(fn))};
  t->hooks().push_back(python_hook(fn));
  return {{}, t, static_cast<int>(t->hooks().size() - 1)};
}

// hook(leaf) after each backward has accumulated into leaf.grad (not under autograd.grad, which
// writes no .grad), as PyTorch's; the hook returns None.
HookHandle register_post_accumulate_grad_hook(const Tensor& t, py::function fn) {
  CR_CHECK(t->requires_grad(), RuntimeError, "cannot register a hook on a tensor that doesn't require gradient");
  CR_CHECK(t->is_leaf(), RuntimeError, "post accumulate grad hooks cannot be registered on non-leaf tensors");
  t->post_accumulate_grad_hooks().push_back([fn = PythonCallable(std::move(fn))](const Tensor& leaf) {
    py::gil_scoped_acquire gil;
    py::object r = fn.get()(leaf);
    CR_CHECK(r.is_none(), TypeError, "register_post_accumulate_grad_hook: the hook must return None, got ",
             py::str(py::type::of(r)).cast<std::string>());
  });
  return {{}, t, static_cast<int>(t->post_accumulate_grad_hooks().size() - 1), true};
}

void retain_grad(const Tensor& t) {
  CR_CHECK(t->requires_grad(), RuntimeError, "retain_grad: can't retain_grad on a tensor that doesn't require grad");
  if (t->is_leaf() || t->retains_grad()) return;
  t->set_retains_grad();
  std::weak_ptr<TensorImpl> weak = t;
  t->grad_fn()->add_pre_hook(t->output_nr(), [weak](const Tensor& g) -> Tensor {
    if (auto self = weak.lock()) {
      std::lock_guard<std::mutex> lock(grad_accumulation_mutex());
      self->set_grad(self->grad() ? binary(BinaryOp::Add, self->grad(), g) : clone(g));
    }
    return nullptr;
  });
}

// Tensor.detach_(): the tensor leaves the autograd graph in place (grad_fn cleared, requires_grad
// off). A view that requires grad refuses, as in PyTorch: its history belongs to its base.
Tensor detach_in_place(const Tensor& t) {
  CR_CHECK(!(t->view_base() && t->requires_grad()), RuntimeError,
           "detach_: can't detach views in-place; use detach() instead");
  t->set_grad_fn(nullptr, 0);
  t->set_requires_grad(false, "detach_");
  return t;
}

// The node of a Python autograd.Function. As in PyTorch, whose grad_fn of a custom Function is its
// ctx, the attributes forward set on ctx (and saved_tensors, needs_input_grad) read through the node
// (Node.__getattr__ below). It holds ctx weakly: the backward formula holds it strongly until the
// graph's saved tensors are released.
class PythonFunctionNode : public FormulaNode {
 public:
  PythonFunctionNode(std::string name, std::vector<Edge> edges, BackwardFormula formula, py::object ctx)
      : FormulaNode(std::move(name), std::move(edges), std::move(formula)),
        ctx_(py::module_::import("weakref").attr("ref")(std::move(ctx))) {}
  // ctx, or None once it is gone (after a backward that did not retain the graph).
  py::object ctx() const { return ctx_.get()(); }

 private:
  GilSafe<py::object> ctx_;
};

constexpr const char* kSavedTensorsFreed =
    "Trying to backward through the graph a second time (or directly access saved tensors after they have already "
    "been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). "
    "Specify retain_graph=True if you need to backward through the graph a second time or if you need to access "
    "saved tensors after calling backward.";

// grad_fn._saved_<name> of a core op's node: the tensor its formula saved under that name (PyTorch's
// self, other, result), unpacked as backward would (through an unpack hook, checked for in-place changes).
py::object saved_tensor_attribute(const FormulaNode& node, const std::string& name) {
  CR_CHECK(!node.released(), RuntimeError, kSavedTensorsFreed);
  const std::string wanted = name.substr(std::string("_saved_").size());
  const auto& named = node.named_saved();
  for (auto it = named.rbegin(); it != named.rend(); ++it) {
    if (wanted == it->name) return py::cast(it->saved->unpack(node));
  }
  throw py::attribute_error("'" + node.name() + "' object has no attribute '" + name + "'");
}

// grad_fn.<name> for an attribute a node lacks: its ctx's, for a Python autograd.Function's node;
// a saved tensor, for _saved_<name> of a core op's node.
py::object node_attribute(const std::shared_ptr<Node>& node, const std::string& name) {
  if (auto* function = dynamic_cast<const PythonFunctionNode*>(node.get())) {
    py::object ctx = function->ctx();
    CR_CHECK(!ctx.is_none(), RuntimeError, node->name(), ".", name, ": ", kSavedTensorsFreed);
    return ctx.attr(name.c_str());
  }
  auto* formula = dynamic_cast<const FormulaNode*>(node.get());
  if (formula && name.rfind("_saved_", 0) == 0) return saved_tensor_attribute(*formula, name);
  throw py::attribute_error("'" + node->name() + "' object has no attribute '" + name + "'");
}

// Its backward is the Python callable, called under the GIL (the engine runs without it).
void record_python_function(const std::string& name, const std::vector<std::optional<Tensor>>& inputs,
                            const TensorList& outputs, py::function backward, py::object ctx) {
  std::vector<Edge> edges;
  for (const auto& t : inputs) edges.push_back(t ? gradient_edge(*t) : Edge{});
  const size_t n_inputs = inputs.size();
  // backward(node, *grads): the node comes first so that saved outputs can be handed back with it as
  // their grad_fn (see saved_output below); it is not kept, which would make a reference cycle.
  auto formula = [backward = PythonCallable(std::move(backward)), name, n_inputs](const TensorList& grads,
                                                                                 const Node& self) {
    py::gil_scoped_acquire gil;  // first in, last out: every Python object below dies under the GIL
    py::tuple args(grads.size() + 1);
    args[0] = py::cast(std::const_pointer_cast<Node>(self.shared_from_this()));
    for (size_t i = 0; i < grads.size(); ++i) args[i + 1] = py::cast(grads[i]);
    py::object result = backward.get()(*args);
    py::tuple results = py::isinstance<py::tuple>(result) ? result.cast<py::tuple>() : py::make_tuple(result);
    CR_CHECK(results.size() == n_inputs, RuntimeError, name, ": backward returned ", results.size(),
             " gradients, but forward had ", n_inputs, " inputs (return None for inputs without a gradient)");
    TensorList out;
    for (py::handle r : results) out.push_back(r.is_none() ? nullptr : r.cast<Tensor>());
    return out;
  };
  auto node = std::make_shared<PythonFunctionNode>(name, std::move(edges), std::move(formula), std::move(ctx));
  for (const Tensor& o : outputs) {
    CR_CHECK(o->is_leaf() && !o->requires_grad(), RuntimeError, name, ": forward outputs must be new tensors");
    o->set_grad_fn(node, node->add_output(*o));
  }
}

// A saved output of a Python autograd.Function as its backward sees it: the data saved (without history,
// so the node does not own itself) with the node back as grad_fn, so a create_graph backward through it
// reaches the function's inputs (PyTorch's SavedVariable unpacking an output).
Tensor saved_output(const Tensor& saved, std::shared_ptr<Node> node, uint32_t output_nr) {
  CR_CHECK(output_nr < node->outputs().size(), ValueError, "_saved_output: ", node->name(), " has ",
           node->outputs().size(), " outputs, not ", output_nr + 1);
  Tensor out = TensorImpl::alias_of(saved);
  out->set_grad_fn(std::move(node), output_nr);
  return out;
}

// The class of a node named `name` (MulBackward0): a subclass of Node made once per name by the C API
// with Node's size, flags and deallocator (a class made by type() would have a deallocator of its own,
// and Python would refuse to move an object into it).
py::object node_class_named(const std::string& name) {
  static auto* classes = new py::dict();  // never freed: Python objects must not die after the interpreter
  py::str key(name);
  if (!classes->contains(key)) {
    auto* node_type = reinterpret_cast<PyTypeObject*>(py::type::of<Node>().ptr());
    static std::vector<std::unique_ptr<std::string>> names;  // a spec's name must outlive its class
    names.push_back(std::make_unique<std::string>("chainrule.autograd.graph." + name));
    PyType_Slot slots[] = {{0, nullptr}};
    PyType_Spec spec{names.back()->c_str(), static_cast<int>(node_type->tp_basicsize),
                     static_cast<int>(node_type->tp_itemsize), static_cast<unsigned int>(Py_TPFLAGS_DEFAULT | (node_type->tp_flags & Py_TPFLAGS_HAVE_GC)), slots};
    const py::tuple bases = py::make_tuple(py::handle(reinterpret_cast<PyObject*>(node_type)));
    PyObject* made = PyType_FromSpecWithBases(&spec, bases.ptr());
    if (!made) throw py::error_already_set();
    (*classes)[key] = py::reinterpret_steal<py::object>(made);
  }
  return (*classes)[key];
}

// A node as Python sees it (a tensor's grad_fn, an entry of next_functions): of the class named after
// its op, so that type(t.grad_fn).__name__ is PyTorch's (torchviz labels its boxes with it).
// AccumulateGrad keeps its own class.
py::object node_object(const std::shared_ptr<Node>& node) {
  py::object object = py::cast(node);
  if (node && py::type::handle_of(object).is(py::type::of<Node>())) {
    object.attr("__class__") = node_class_named(node->name());
  }
  return object;
}

py::tuple next_functions(const Node& n) {
  py::tuple out(n.next_edges().size());
  for (size_t i = 0; i < n.next_edges().size(); ++i) {
    const Edge& e = n.next_edges()[i];
    out[i] = py::make_tuple(e.node ? node_object(e.node) : py::none(), e.input_nr);
  }
  return out;
}

}  // namespace

void bind_autograd(py::module_& m, TensorClass& cls) {
  // Shape, dtype and device of each forward output of a node (PyTorch's grad_fn._input_metadata:
  // the gradients the node takes in).
  py::class_<OutputMeta>(m, "_InputMetadata")
      .def_property_readonly("shape", [](const OutputMeta& meta) {
        return py::module_::import("chainrule._tensor").attr("Size")(py::cast(meta.sizes));
      })
      .def_readonly("dtype", &OutputMeta::dtype)
      .def_readonly("device", &OutputMeta::device);
  py::class_<Node, std::shared_ptr<Node>>(m, "Node", "An op recorded in the autograd graph (a tensor's grad_fn).")
      .def("name", &Node::name)
      .def_property_readonly("next_functions", &next_functions)
      .def_property_readonly("_input_metadata", [](const Node& n) { return py::tuple(py::cast(n.outputs())); })
      .def("__getattr__", &node_attribute)
      .def("__repr__", [](const Node& n) {  // PyTorch's form: <AddBackward0 object at 0x7f...>
        std::ostringstream text;
        text << "<" << n.name() << " object at " << static_cast<const void*>(&n) << ">";
        return text.str();
      });
  py::class_<AccumulateGrad, Node, std::shared_ptr<AccumulateGrad>>(m, "AccumulateGrad",
                                                                    "The node that writes a leaf tensor's .grad.")
      .def_property_readonly("variable", &AccumulateGrad::leaf, "The leaf tensor whose .grad this node writes.");
  py::class_<HookHandle>(m, "RemovableHandle").def("remove", &HookHandle::remove);

  // A tensor unpacked from a saved leaf under saved-tensor hooks reaches the leaf through its
  // AccumulateGrad; as PyTorch's, it shows no grad_fn.
  cls.def_property_readonly("grad_fn", [](const TensorImpl& t) {
        const std::shared_ptr<Node>& node = t.grad_fn();
        return dynamic_cast<const AccumulateGrad*>(node.get()) ? py::none() : node_object(node);
      })
      .def_property_readonly("retains_grad", &TensorImpl::retains_grad)
      .def("retain_grad", &retain_grad)
      .def("detach_", &detach_in_place, "Detaches this tensor from the autograd graph, in place.")
      .def("register_hook", &register_hook, py::arg("hook"))
      .def("register_post_accumulate_grad_hook", &register_post_accumulate_grad_hook, py::arg("hook"));

  m.def("_record_python_function", &record_python_function, py::arg("name"), py::arg("inputs"), py::arg("outputs"),
        py::arg("backward"), py::arg("ctx"));
  m.def("_saved_output", &saved_output, py::arg("saved"), py::arg("node"), py::arg("output_nr"));
  m.def("is_grad_enabled", &GradMode::is_enabled);
  m.def("_set_grad_enabled", &GradMode::set_enabled, py::arg("mode"));
  m.def("_set_anomaly_enabled", &AnomalyMode::set_enabled, py::arg("enabled"), py::arg("check_nan") = true);
  m.def("_is_anomaly_enabled", &AnomalyMode::is_enabled);
  m.def("_is_anomaly_check_nan_enabled", &AnomalyMode::should_check_nan);
  // The whole backward pass runs without the GIL; hooks and Python backwards take it back.
  m.def("_run_backward", without_gil([](const TensorList& roots, const std::vector<std::optional<Tensor>>& grads, bool keep_graph,
                            bool create_graph, const TensorList& inputs, bool allow_unused) {
    CR_CHECK(grads.size() == roots.size(), ValueError, "backward: got ", grads.size(), " gradients for ",
             roots.size(), " outputs");
    TensorList seeds;
    for (const auto& g : grads) seeds.push_back(g.value_or(nullptr));
    return run_backward(roots, seeds, keep_graph, create_graph, inputs, allow_unused);
  }, GilRelease::Always), py::arg("tensors"), py::arg("grad_tensors"), py::arg("keep_graph"), py::arg("create_graph"),
     py::arg("inputs"), py::arg("allow_unused"));
}

}  // namespace cr::bind
