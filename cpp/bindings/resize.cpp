// Tensor.resize_, resize_as_, set_, share_memory_ and is_shared (ops/resize.h), with PyTorch's
// argument forms: resize_(2, 3) / resize_((2, 3)), set_() / set_(source) /
// set_(source, storage_offset, size, stride=None), and the memory_format= keyword; and the two
// halves of sending a shared tensor to another process (chainrule/multiprocessing/reductions.py).
#include "bindings/bindings.h"
#include "bindings/dim_args.h"
#include "ops/resize.h"

namespace cr::bind {

namespace {

// memory_format= of resize_ (no preserve_format, as in PyTorch) and resize_as_ (preserve_format: the
// template's layout); a format needing another rank is PyTorch's RuntimeError. Every layout is the
// contiguous one, as everywhere in chainrule (chainrule._tensor_surface).
void check_resize_format(py::handle format, const Shape& sizes, const char* op, bool preserve_allowed) {
  if (format.is_none()) return;
  py::object format_class = py::module_::import("chainrule._tensor_surface").attr("memory_format");
  CR_CHECK(py::isinstance(format, format_class), TypeError, op,
           "(): argument 'memory_format' must be chainrule.memory_format, not ", type_name(format));
  const std::string name = format.attr("_name").cast<std::string>();
  if (name == "preserve_format" && preserve_allowed) return;
  CR_CHECK(name != "preserve_format", RuntimeError, op, ": Unsupported memory format preserve_format");
  py::object rank = format.attr("rank");
  CR_CHECK(rank.is_none() || rank.cast<size_t>() == sizes.size(), RuntimeError, op, ": required rank ",
           py::str(rank).cast<std::string>(), " tensor to use ", name, " format, got sizes ", sizes);
}

Tensor tensor_arg(py::handle obj, const char* op, const char* name) {
  CR_CHECK(is_tensor(obj), TypeError, op, "(): argument '", name, "' must be Tensor, not ", type_name(obj));
  return obj.cast<Tensor>();
}

Shape sizes_arg(py::handle obj, const char* op, const char* name) {
  CR_CHECK(py::isinstance<py::sequence>(obj) && !py::isinstance<py::str>(obj), TypeError, op, "(): argument '", name,
           "' must be tuple of ints, not ", type_name(obj));
  return py::cast<Shape>(obj);
}

}  // namespace

void bind_resize(py::module_& m, TensorClass& cls) {
  cls.def("resize_", [](const Tensor& t, const py::args& args, py::handle memory_format) {
    CR_CHECK(args.size() > 0, TypeError, "resize_() missing 1 required positional arguments: \"size\"");
    const Shape sizes = sizes_from_args(args, "resize_");
    check_resize_format(memory_format, sizes, "resize_", false);
    resize_(t, sizes);
    return t;
  }, py::kw_only(), py::arg("memory_format") = py::none(),
     "Gives this tensor these sizes (contiguous, from its storage offset), growing its storage in place "
     "when it is too small: old contents kept, new elements uninitialized. Not for tensors that require grad.")
      .def("resize_as_", [](const Tensor& t, py::handle the_template, py::handle memory_format) {
        const Tensor other = tensor_arg(the_template, "resize_as_", "the_template");
        check_resize_format(memory_format, other->sizes(), "resize_as_", true);
        resize_(t, other->sizes());
        return t;
      }, py::arg("the_template"), py::kw_only(), py::arg("memory_format") = py::none(),
         "resize_(the_template.shape).")
      .def("set_", [](const Tensor& t, py::handle source, py::handle storage_offset, py::handle size,
                      py::handle stride) {
        if (source.is_none() && storage_offset.is_none() && size.is_none() && stride.is_none()) {
          set_empty(t);
          return t;
        }
        const Tensor from = tensor_arg(source, "set_", "source");
        if (storage_offset.is_none() && size.is_none() && stride.is_none()) {
          set_(t, from);
          return t;
        }
        CR_CHECK(is_int(storage_offset), TypeError, "set_(): argument 'storage_offset' must be int, not ",
                 type_name(storage_offset));
        CR_CHECK(!size.is_none(), TypeError, "set_(): missing required argument 'size'");
        const Shape sizes = sizes_arg(size, "set_", "size");
        const Shape strides = stride.is_none() ? Shape{} : sizes_arg(stride, "set_", "stride");
        set_(t, from, storage_offset.cast<int64_t>(), sizes, strides);
        return t;
      }, py::arg("source") = py::none(), py::arg("storage_offset") = py::none(), py::arg("size") = py::none(),
         py::arg("stride") = py::none(),
         "set_(): an empty tensor; set_(source): source's storage and geometry; set_(source, storage_offset, "
         "size, stride=None): that view of source's storage (grown if needed). Shares memory with source.")
      .def("share_memory_", [](const Tensor& t) {
        share_memory_(t);
        return t;
      }, "Moves this CPU tensor's storage into shared memory in place: processes forked afterwards (the fork "
         "start method of multiprocessing) read and write the same memory. Nothing to do on a GPU. A shared "
         "storage cannot grow (resize_).")
      .def("is_shared", &is_shared, "Whether the storage is in shared memory (always True on a GPU, as in PyTorch).")
      .def("_shared_memory_fd", [](const Tensor& t) { return t->storage()->shared_memory_fd(); },
           "The descriptor of the shared-memory file holding the storage (-1: none), for chainrule.multiprocessing.")
      .def("_storage_nbytes", [](const Tensor& t) { return t->storage()->nbytes(); });
  m.def("_tensor_from_shared_memory", &tensor_from_shared_memory, py::arg("fd"), py::arg("storage_nbytes"),
        py::arg("dtype"), py::arg("sizes"), py::arg("strides"), py::arg("offset"),
        "A tensor viewing another process's shared tensor, from its shared-memory file (duplicated).");
}

}  // namespace cr::bind
