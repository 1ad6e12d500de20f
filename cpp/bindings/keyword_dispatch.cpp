// chainrule._C._KeywordDispatch(function, keyword, other): a callable that calls `other` when a call
// passes keyword= and `function` otherwise, handing on the arguments as they came (vectorcall), so a
// call without the keyword costs one C-level forward instead of a Python frame.
// chainrule/_functions/out_argument.py builds PyTorch's out= on it (keyword "out"). Instances have a
// __dict__ (functools.update_wrapper gives them __name__, __doc__, __module__, __wrapped__), pickle by
// reference to their __qualname__, and repr as `function` does.
#include "bindings/bindings.h"  // first: Python.h, which structmember.h needs

#include <structmember.h>

#include <cstddef>

namespace cr::bind {
namespace {

struct KeywordDispatch {
  PyObject_HEAD
  PyObject* function;
  PyObject* keyword;  // interned
  PyObject* other;
  PyObject* dict;
  vectorcallfunc vectorcall;
};

KeywordDispatch* as_dispatch(PyObject* self) { return reinterpret_cast<KeywordDispatch*>(self); }

bool names_keyword(PyObject* kwnames, PyObject* keyword) {
  if (kwnames == nullptr) return false;
  for (Py_ssize_t i = 0, n = PyTuple_GET_SIZE(kwnames); i < n; ++i) {
    PyObject* name = PyTuple_GET_ITEM(kwnames, i);
    if (name == keyword || PyUnicode_Compare(name, keyword) == 0) return true;
  }
  return false;
}

PyObject* dispatch_call(PyObject* self, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  KeywordDispatch* d = as_dispatch(self);
  PyObject* target = names_keyword(kwnames, d->keyword) ? d->other : d->function;
  if (target == nullptr) {  // only after the garbage collector cleared it
    PyErr_SetString(PyExc_RuntimeError, "_KeywordDispatch: called after it was cleared");
    return nullptr;
  }
  return PyObject_Vectorcall(target, args, nargsf, kwnames);
}

PyObject* dispatch_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  static const char* names[] = {"function", "keyword", "other", nullptr};
  PyObject *function = nullptr, *keyword = nullptr, *other = nullptr;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OUO:_KeywordDispatch", const_cast<char**>(names), &function,
                                   &keyword, &other)) {
    return nullptr;
  }
  KeywordDispatch* self = as_dispatch(type->tp_alloc(type, 0));
  if (self == nullptr) return nullptr;
  Py_INCREF(function);
  Py_INCREF(keyword);
  Py_INCREF(other);
  PyUnicode_InternInPlace(&keyword);
  self->function = function;
  self->keyword = keyword;
  self->other = other;
  self->vectorcall = dispatch_call;
  return reinterpret_cast<PyObject*>(self);
}

int dispatch_traverse(PyObject* self, visitproc visit, void* arg) {
  KeywordDispatch* d = as_dispatch(self);
  Py_VISIT(Py_TYPE(self));
  Py_VISIT(d->function);
  Py_VISIT(d->keyword);
  Py_VISIT(d->other);
  Py_VISIT(d->dict);
  return 0;
}

int dispatch_clear(PyObject* self) {
  KeywordDispatch* d = as_dispatch(self);
  Py_CLEAR(d->function);
  Py_CLEAR(d->keyword);
  Py_CLEAR(d->other);
  Py_CLEAR(d->dict);
  return 0;
}

void dispatch_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  PyObject_GC_UnTrack(self);
  dispatch_clear(self);
  type->tp_free(self);
  Py_DECREF(type);
}

PyObject* dispatch_repr(PyObject* self) {
  KeywordDispatch* d = as_dispatch(self);
  return d->function != nullptr ? PyObject_Repr(d->function) : PyUnicode_FromString("<_KeywordDispatch>");
}

// pickle stores a module-level function by name: __reduce__ returning a string means "the global of
// that name in the object's __module__".
PyObject* dispatch_reduce(PyObject* self, PyObject*) { return PyObject_GetAttrString(self, "__qualname__"); }

PyMethodDef dispatch_methods[] = {
    {"__reduce__", dispatch_reduce, METH_NOARGS, "The function's __qualname__: pickled by reference."},
    {nullptr, nullptr, 0, nullptr}};

PyMemberDef dispatch_members[] = {
    {const_cast<char*>("__vectorcalloffset__"), T_PYSSIZET, offsetof(KeywordDispatch, vectorcall), READONLY, nullptr},
    {const_cast<char*>("__dictoffset__"), T_PYSSIZET, offsetof(KeywordDispatch, dict), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr}};

PyGetSetDef dispatch_getset[] = {
    {const_cast<char*>("__dict__"), PyObject_GenericGetDict, PyObject_GenericSetDict, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

}  // namespace

void bind_keyword_dispatch(py::module_& m) {
  static PyType_Slot slots[] = {
      {Py_tp_new, reinterpret_cast<void*>(dispatch_new)},
      {Py_tp_dealloc, reinterpret_cast<void*>(dispatch_dealloc)},
      {Py_tp_traverse, reinterpret_cast<void*>(dispatch_traverse)},
      {Py_tp_clear, reinterpret_cast<void*>(dispatch_clear)},
      {Py_tp_call, reinterpret_cast<void*>(PyVectorcall_Call)},
      {Py_tp_repr, reinterpret_cast<void*>(dispatch_repr)},
      {Py_tp_methods, dispatch_methods},
      {Py_tp_members, dispatch_members},
      {Py_tp_getset, dispatch_getset},
      {Py_tp_doc, const_cast<char*>("_KeywordDispatch(function, keyword, other): calls other when a call "
                                    "passes keyword=, else function (chainrule's out=).")},
      {0, nullptr}};
  unsigned int flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL;
#ifdef Py_TPFLAGS_IMMUTABLETYPE
  flags |= Py_TPFLAGS_IMMUTABLETYPE;  // its __call__ cannot be replaced behind the vectorcall slot
#endif
  static PyType_Spec spec = {"chainrule._C._KeywordDispatch", static_cast<int>(sizeof(KeywordDispatch)), 0, flags,
                             slots};
  PyObject* type = PyType_FromSpec(&spec);
  if (type == nullptr) throw py::error_already_set();
  m.add_object("_KeywordDispatch", py::reinterpret_steal<py::object>(type));
}

}  // namespace cr::bind
