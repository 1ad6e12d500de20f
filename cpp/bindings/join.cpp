// Joining and splitting in Python: chainrule.cat/concat/concatenate/stack/hstack/vstack and
// split/chunk/unbind as Tensor methods and functions (the splits return tuples of views).
#include "bindings/bindings.h"
#include "bindings/dim_args.h"
#include "bindings/gil.h"
#include "ops/join.h"

namespace cr::bind {

namespace {

std::vector<Tensor> tensor_list(py::handle seq, const char* op) {
  CR_CHECK(py::isinstance<py::sequence>(seq) && !is_tensor(seq), TypeError, op,
           ": expected a list or tuple of tensors, got ", py::str(py::type::of(seq).attr("__name__")).cast<std::string>());
  std::vector<Tensor> out;
  size_t i = 0;
  for (py::handle h : seq) {
    // converting: a real PyTorch tensor is copied in (numpy_interop.cpp); the converting load takes None as a
    // null tensor, which the join would dereference (JSMA's `try: cat((None, x))` idiom needs the TypeError)
    py::detail::make_caster<Tensor> element;
    CR_CHECK(!h.is_none() && element.load(h, true), TypeError, op, ": expected a list or tuple of tensors, but element ", i,
             " is a ", py::str(py::type::of(h).attr("__name__")).cast<std::string>());
    out.push_back(py::detail::cast_op<Tensor>(element));
    ++i;
  }
  return out;
}

py::tuple to_tuple(const std::vector<Tensor>& ts) {
  py::tuple out(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) out[i] = py::cast(ts[i]);
  return out;
}

// split(int) or split([sizes...]), as in PyTorch.
py::tuple split_any(const Tensor& t, py::handle size_or_sections, py::handle dim_obj) {
  const int64_t dim = dim_arg(dim_obj, "split");
  if (PyLong_Check(size_or_sections.ptr()) && !PyBool_Check(size_or_sections.ptr())) {
    return to_tuple(split(t, size_or_sections.cast<int64_t>(), dim));
  }
  py::detail::make_caster<std::vector<int64_t>> sections;  // any number of sections
  CR_CHECK(sections.load(size_or_sections, false), TypeError,
           "split: split_size_or_sections must be an int or a list of ints, got ",
           py::repr(size_or_sections).cast<std::string>());
  return to_tuple(split_with_sizes(t, py::detail::cast_op<std::vector<int64_t>&>(sections), dim));
}

}  // namespace

void bind_join(py::module_& m, TensorClass& cls) {
  for (const char* name : {"cat", "concat", "concatenate"}) {
    m.def(name, [](py::handle ts, py::handle dim) {
      const TensorList list = tensor_list(ts, "cat");
      const int64_t d = dim_arg(dim, "cat");
      return run_without_gil([&] { return cat(list, d); }, list);
    }, py::arg("tensors"),
          py::arg("dim") = 0);
  }
  m.def("stack", [](py::handle ts, py::handle dim) {
    const TensorList list = tensor_list(ts, "stack");
    const int64_t d = dim_arg(dim, "stack");
    return run_without_gil([&] { return stack(list, d); }, list);
  }, py::arg("tensors"),
        py::arg("dim") = 0);
  m.def("hstack", [](py::handle ts) { return hstack(tensor_list(ts, "hstack")); }, py::arg("tensors"));
  m.def("vstack", [](py::handle ts) { return vstack(tensor_list(ts, "vstack")); }, py::arg("tensors"));
  m.def("split", &split_any, py::arg("tensor"), py::arg("split_size_or_sections"), py::arg("dim") = 0);
  auto chunk_fn = [](const Tensor& t, int64_t chunks, py::handle dim) {
    return to_tuple(chunk(t, chunks, dim_arg(dim, "chunk")));
  };
  auto unbind_fn = [](const Tensor& t, py::handle dim) { return to_tuple(unbind(t, dim_arg(dim, "unbind"))); };
  m.def("chunk", chunk_fn, py::arg("input"), py::arg("chunks"), py::arg("dim") = 0);
  m.def("unbind", unbind_fn, py::arg("input"), py::arg("dim") = 0);

  cls.def("split", &split_any, py::arg("split_size"), py::arg("dim") = 0)
      .def("chunk", chunk_fn, py::arg("chunks"), py::arg("dim") = 0)
      .def("unbind", unbind_fn, py::arg("dim") = 0);
}

}  // namespace cr::bind
