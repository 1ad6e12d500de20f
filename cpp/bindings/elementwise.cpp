// Elementwise ops in Python: operators (+ - * / ** // % comparisons & | ^ << >> ~), named methods and
// functions (add, exp, clamp, where, ...) and their in-place forms (add_, exp_, ...).
#include "bindings/bindings.h"
#include "bindings/gil.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"

namespace cr::bind {

namespace {

py::object not_implemented() { return py::reinterpret_borrow<py::object>(Py_NotImplemented); }

// self op other (or other op self when reflected); NotImplemented when other is no number or tensor.
py::object apply_binary(BinaryOp op, const Tensor& self, py::handle other, bool reflected) {
  if (is_tensor(other)) {
    const Tensor o = other.cast<Tensor>();
    return py::cast(run_without_gil([&] { return reflected ? binary(op, o, self) : binary(op, self, o); }, self, o));
  }
  const auto s = as_scalar(other);
  if (!s) return not_implemented();
  return py::cast(run_without_gil([&] { return reflected ? binary(op, *s, self) : binary(op, self, *s); }, self));
}

// number / self: PyTorch's Tensor.__rtruediv__ is self.reciprocal() * number (two roundings; MulBackward0).
py::object reflected_division(const Tensor& self, py::handle other) {
  if (is_tensor(other)) return apply_binary(BinaryOp::Div, self, other, true);
  const auto s = as_scalar(other);
  if (!s) return not_implemented();
  return py::cast(run_without_gil([&] { return binary(BinaryOp::Mul, unary(UnaryOp::Reciprocal, self), *s); }, self));
}

// f(x, y) with x and y each a Tensor or, for a Python number, a Scalar, without the GIL; at least
// one must be a tensor unless TwoNumbers.
template <bool TwoNumbers = false, typename F>
Tensor on_operands(py::handle a, py::handle b, const char* op, const F& f) {
  if (is_tensor(a) && is_tensor(b)) {
    const Tensor x = a.cast<Tensor>(), y = b.cast<Tensor>();
    return run_without_gil([&] { return f(x, y); }, x, y);
  }
  if (is_tensor(a)) {
    const Tensor x = a.cast<Tensor>();
    const Scalar y = to_scalar(b, op);
    return run_without_gil([&] { return f(x, y); }, x);
  }
  if (is_tensor(b)) {
    const Scalar x = to_scalar(a, op);
    const Tensor y = b.cast<Tensor>();
    return run_without_gil([&] { return f(x, y); }, y);
  }
  if constexpr (TwoNumbers) {
    return f(to_scalar(a, op), to_scalar(b, op));
  } else {
    CR_FAIL(TypeError, op, ": expected at least one tensor argument");
  }
}

// a op b where either may be a Python number (chainrule.add(2, t)).
Tensor binary_any(BinaryOp op, py::handle a, py::handle b) {
  return on_operands(a, b, binary_op_name(op), [op](const auto& x, const auto& y) { return binary(op, x, y); });
}

void binary_in_place_any(BinaryOp op, const Tensor& self, py::handle other) {
  if (is_tensor(other)) {
    const Tensor o = other.cast<Tensor>();
    run_without_gil([&] { binary_(op, self, o); }, self);
  } else {
    const Scalar s = to_scalar(other, binary_op_name(op));
    run_without_gil([&] { binary_(op, self, s); }, self);
  }
}

// b scaled by alpha, for add/sub(..., alpha=).
py::object scaled(py::handle b, py::handle alpha) {
  auto a = to_scalar(alpha, "add");
  if (a.as_double() == 1.0) return py::reinterpret_borrow<py::object>(b);
  if (!is_tensor(b)) return py::reinterpret_borrow<py::object>(b) * scalar_to_py(a);  // two numbers
  return py::cast(binary_any(BinaryOp::Mul, b, scalar_to_py(a)));
}

// PyTorch's deprecated add/sub(Number alpha, Tensor other) overload (old programs' p.data.add_(-lr, grad)):
// still accepted, with PyTorch's UserWarning; gives `other` scaled by alpha, as scaled() does.
py::object scaled_alpha_first(const char* op, py::handle alpha, py::handle other) {
  CR_CHECK(!is_tensor(alpha) || alpha.cast<Tensor>()->dim() == 0, TypeError, op,
           "() takes 1 positional argument but 2 were given (other, then alpha= by keyword)");
  const std::string message = std::string("This overload of ") + op + " is deprecated:\n\t" + op +
                              "(Number alpha, Tensor other)\nConsider using one of the following signatures instead:\n\t" +
                              op + "(Tensor other, *, Number alpha = 1)";
  if (PyErr_WarnEx(PyExc_UserWarning, message.c_str(), 1) != 0) throw py::error_already_set();
  return scaled(other, alpha);
}

RoundingMode to_rounding_mode(py::handle mode) {
  if (mode.is_none()) return RoundingMode::None;
  const std::string name = py::str(mode);
  if (name == "trunc") return RoundingMode::Trunc;
  CR_CHECK(name == "floor", ValueError, "div: rounding_mode must be None, 'trunc' or 'floor', got '", name, "'");
  return RoundingMode::Floor;
}

Tensor divide_any(py::handle a, py::handle b, py::handle rounding_mode) {
  const RoundingMode mode = to_rounding_mode(rounding_mode);
  return on_operands(a, b, "div", [mode](const auto& x, const auto& y) { return divide(x, y, mode); });
}

Tensor where_any(const Tensor& cond, py::handle a, py::handle b) {
  return on_operands<true>(a, b, "where", [&cond](const auto& x, const auto& y) { return where(cond, x, y); });
}

std::optional<Scalar> optional_scalar(py::handle h, const char* op) {
  if (h.is_none()) return std::nullopt;
  return to_scalar(h, op);
}

// A clamp bound beside a tensor bound: None -> no bound, a number -> a 0-d tensor on t's device.
Tensor bound_tensor(py::handle bound, const Tensor& t) {
  if (bound.is_none()) return nullptr;
  if (is_tensor(bound)) return bound.cast<Tensor>();
  const Scalar s = to_scalar(bound, "clamp");
  return scalar_tensor(s, result_type(t->dtype(), s), t->device(), "clamp");
}

// clamp(min, max) where each bound may be a number, a tensor or None.
Tensor clamp_any(const Tensor& t, py::handle lo, py::handle hi) {
  if (!is_tensor(lo) && !is_tensor(hi)) return clamp(t, optional_scalar(lo, "clamp"), optional_scalar(hi, "clamp"));
  return clamp(t, bound_tensor(lo, t), bound_tensor(hi, t));
}

Tensor clamp_any_(const Tensor& t, py::handle lo, py::handle hi) {
  if (!is_tensor(lo) && !is_tensor(hi)) clamp_(t, optional_scalar(lo, "clamp_"), optional_scalar(hi, "clamp_"));
  else clamp_(t, bound_tensor(lo, t), bound_tensor(hi, t));
  return t;
}

struct BinaryEntry {
  const char* name;
  BinaryOp op;
  const char* dunder;     // operator, or nullptr
  const char* rdunder;    // reflected operator, or nullptr
  const char* idunder;    // in-place operator, or nullptr
  const char* operand = "other";  // PyTorch's keyword for the second operand
};

const BinaryEntry kBinary[] = {
    {"mul", BinaryOp::Mul, "__mul__", "__rmul__", "__imul__"},
    {"pow", BinaryOp::Pow, "__pow__", "__rpow__", "__ipow__", "exponent"},
    {"floor_divide", BinaryOp::FloorDivide, "__floordiv__", "__rfloordiv__", "__ifloordiv__"},
    {"remainder", BinaryOp::Remainder, "__mod__", "__rmod__", "__imod__"},
    {"maximum", BinaryOp::Maximum, nullptr, nullptr, nullptr},
    {"minimum", BinaryOp::Minimum, nullptr, nullptr, nullptr},
    {"atan2", BinaryOp::Atan2, nullptr, nullptr, nullptr},
    {"fmod", BinaryOp::Fmod, nullptr, nullptr, nullptr},
    {"xlogy", BinaryOp::Xlogy, nullptr, nullptr, nullptr},
    {"eq", BinaryOp::Eq, "__eq__", nullptr, nullptr},
    {"ne", BinaryOp::Ne, "__ne__", nullptr, nullptr},
    {"lt", BinaryOp::Lt, "__lt__", nullptr, nullptr},
    {"le", BinaryOp::Le, "__le__", nullptr, nullptr},
    {"gt", BinaryOp::Gt, "__gt__", nullptr, nullptr},
    {"ge", BinaryOp::Ge, "__ge__", nullptr, nullptr},
    {"logical_and", BinaryOp::LogicalAnd, nullptr, nullptr, nullptr},
    {"logical_or", BinaryOp::LogicalOr, nullptr, nullptr, nullptr},
    {"logical_xor", BinaryOp::LogicalXor, nullptr, nullptr, nullptr},
    {"bitwise_and", BinaryOp::BitwiseAnd, "__and__", "__rand__", "__iand__"},
    {"bitwise_or", BinaryOp::BitwiseOr, "__or__", "__ror__", "__ior__"},
    {"bitwise_xor", BinaryOp::BitwiseXor, "__xor__", "__rxor__", "__ixor__"},
    {"bitwise_left_shift", BinaryOp::BitwiseLeftShift, "__lshift__", "__rlshift__", "__ilshift__"},
    {"bitwise_right_shift", BinaryOp::BitwiseRightShift, "__rshift__", "__rrshift__", "__irshift__"},
};

const UnaryOp kUnary[] = {
    UnaryOp::Neg, UnaryOp::Abs, UnaryOp::Sign, UnaryOp::Relu, UnaryOp::Square, UnaryOp::Floor, UnaryOp::Ceil,
    UnaryOp::Round, UnaryOp::Trunc, UnaryOp::Exp, UnaryOp::Log, UnaryOp::Log2, UnaryOp::Log10, UnaryOp::Log1p,
    UnaryOp::Expm1, UnaryOp::Sqrt, UnaryOp::Rsqrt, UnaryOp::Reciprocal, UnaryOp::Sin, UnaryOp::Cos, UnaryOp::Tan,
    UnaryOp::Tanh, UnaryOp::Sigmoid, UnaryOp::Erf, UnaryOp::Asin, UnaryOp::Acos, UnaryOp::Atan, UnaryOp::Sinh,
    UnaryOp::Cosh, UnaryOp::LogicalNot, UnaryOp::BitwiseNot,
};

}  // namespace

void bind_elementwise(py::module_& m, TensorClass& cls) {
  // add and sub carry alpha; div carries rounding_mode; the rest share one shape.
  cls.def("__add__", [](const Tensor& t, py::handle o) { return apply_binary(BinaryOp::Add, t, o, false); }, py::is_operator())
      .def("__radd__", [](const Tensor& t, py::handle o) { return apply_binary(BinaryOp::Add, t, o, true); }, py::is_operator())
      .def("__sub__", [](const Tensor& t, py::handle o) { return apply_binary(BinaryOp::Sub, t, o, false); }, py::is_operator())
      .def("__rsub__", [](const Tensor& t, py::handle o) { return apply_binary(BinaryOp::Sub, t, o, true); }, py::is_operator())
      .def("__truediv__", [](const Tensor& t, py::handle o) { return apply_binary(BinaryOp::Div, t, o, false); }, py::is_operator())
      .def("__rtruediv__", &reflected_division, py::is_operator())
      .def("__iadd__", [](const Tensor& t, py::handle o) { binary_in_place_any(BinaryOp::Add, t, o); return t; })
      .def("__isub__", [](const Tensor& t, py::handle o) { binary_in_place_any(BinaryOp::Sub, t, o); return t; })
      .def("__itruediv__", [](const Tensor& t, py::handle o) { binary_in_place_any(BinaryOp::Div, t, o); return t; })
      .def("add", [](const Tensor& t, py::handle o, py::handle alpha) { return binary_any(BinaryOp::Add, py::cast(t), scaled(o, alpha)); },
           py::arg("other"), py::kw_only(), py::arg("alpha") = 1)
      .def("sub", [](const Tensor& t, py::handle o, py::handle alpha) { return binary_any(BinaryOp::Sub, py::cast(t), scaled(o, alpha)); },
           py::arg("other"), py::kw_only(), py::arg("alpha") = 1)
      .def("add_", [](const Tensor& t, py::handle o, py::handle alpha) { binary_in_place_any(BinaryOp::Add, t, scaled(o, alpha)); return t; },
           py::arg("other"), py::kw_only(), py::arg("alpha") = 1)
      .def("sub_", [](const Tensor& t, py::handle o, py::handle alpha) { binary_in_place_any(BinaryOp::Sub, t, scaled(o, alpha)); return t; },
           py::arg("other"), py::kw_only(), py::arg("alpha") = 1)
      .def("add", [](const Tensor& t, py::handle alpha, py::handle o) {
        return binary_any(BinaryOp::Add, py::cast(t), scaled_alpha_first("add", alpha, o)); }, py::arg("alpha"), py::arg("other"))
      .def("sub", [](const Tensor& t, py::handle alpha, py::handle o) {
        return binary_any(BinaryOp::Sub, py::cast(t), scaled_alpha_first("sub", alpha, o)); }, py::arg("alpha"), py::arg("other"))
      .def("add_", [](const Tensor& t, py::handle alpha, py::handle o) {
        binary_in_place_any(BinaryOp::Add, t, scaled_alpha_first("add_", alpha, o)); return t; }, py::arg("alpha"), py::arg("other"))
      .def("sub_", [](const Tensor& t, py::handle alpha, py::handle o) {
        binary_in_place_any(BinaryOp::Sub, t, scaled_alpha_first("sub_", alpha, o)); return t; }, py::arg("alpha"), py::arg("other"))
      .def("div", [](const Tensor& t, py::handle o, py::object mode) { return divide_any(py::cast(t), o, mode); },
           py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none())
      .def("div_", [](const Tensor& t, py::handle o, py::object mode) {
        if (mode.is_none()) {  // true division in place, as /=: a tensor divided then copied back would have
          binary_in_place_any(BinaryOp::Div, t, o);  // saved t for backward and then overwritten it
          return t;
        }
        Tensor q = divide_any(py::cast(t), o, mode);
        CR_CHECK(can_cast(q->dtype(), t->dtype()), RuntimeError, "div_: result type ", dtype_name(q->dtype()),
                 " can't be cast to the in-place tensor's dtype ", dtype_name(t->dtype()));
        copy_(t, q);
        return t;
      },
           py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none())
      .def("true_divide", [](const Tensor& t, py::handle o) { return binary_any(BinaryOp::Div, py::cast(t), o); },
           py::arg("other"))
      .def("clamp", &clamp_any, py::arg("min") = py::none(), py::arg("max") = py::none())
      .def("clip", &clamp_any, py::arg("min") = py::none(), py::arg("max") = py::none())
      .def("clamp_", &clamp_any_, py::arg("min") = py::none(), py::arg("max") = py::none())
      .def("where", [](const Tensor& t, const Tensor& cond, py::handle other) { return where_any(cond, py::cast(t), other); },
           py::arg("condition"), py::arg("other"))
      .def("fill_", [](const Tensor& t, py::handle v) { fill_(t, to_scalar(v, "fill_")); return t; }, py::arg("value"))
      .def("zero_", [](const Tensor& t) { fill_(t, Scalar(int64_t{0})); return t; })
      // non_blocking= is accepted as PyTorch's: the copy is complete when copy_ returns. PyTorch's
      // keyword for the source is other= (its docs say src).
      .def("copy_", without_gil([](const Tensor& t, const Tensor& src, bool /*non_blocking*/) { copy_(t, src); return t; }),
           py::arg("other"), py::arg("non_blocking") = false)
      .def("__pos__", [](const Tensor& t) { return t; });

  m.def("add", [](py::handle a, py::handle b, py::handle alpha) { return binary_any(BinaryOp::Add, a, scaled(b, alpha)); },
        py::arg("input"), py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  m.def("sub", [](py::handle a, py::handle b, py::handle alpha) { return binary_any(BinaryOp::Sub, a, scaled(b, alpha)); },
        py::arg("input"), py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  m.def("add", [](py::handle a, py::handle alpha, py::handle b) { return binary_any(BinaryOp::Add, a, scaled_alpha_first("add", alpha, b)); },
        py::arg("input"), py::arg("alpha"), py::arg("other"));
  m.def("sub", [](py::handle a, py::handle alpha, py::handle b) { return binary_any(BinaryOp::Sub, a, scaled_alpha_first("sub", alpha, b)); },
        py::arg("input"), py::arg("alpha"), py::arg("other"));
  m.def("div", &divide_any, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
  m.def("true_divide", [](py::handle a, py::handle b) { return binary_any(BinaryOp::Div, a, b); }, py::arg("input"),
        py::arg("other"));
  m.def("clamp", &clamp_any, py::arg("input"), py::arg("min") = py::none(), py::arg("max") = py::none());
  // clamp_min(min) and clamp_max(max): clamp with one bound, also in place, as PyTorch names them.
  for (bool is_min : {true, false}) {
    const char* bound = is_min ? "min" : "max";
    auto one_bound = [is_min](auto clamp_fn) {
      return [is_min, clamp_fn](const Tensor& t, py::handle v) {
        return is_min ? clamp_fn(t, v, py::none()) : clamp_fn(t, py::none(), v);
      };
    };
    m.def(is_min ? "clamp_min" : "clamp_max", one_bound(&clamp_any), py::arg("input"), py::arg(bound));
    cls.def(is_min ? "clamp_min" : "clamp_max", one_bound(&clamp_any), py::arg(bound));
    cls.def(is_min ? "clamp_min_" : "clamp_max_", one_bound(&clamp_any_), py::arg(bound));
  }
  m.def("clip", &clamp_any, py::arg("input"), py::arg("min") = py::none(), py::arg("max") = py::none());
  m.def("where", &where_any, py::arg("condition"), py::arg("input"), py::arg("other"));

  for (const BinaryEntry& e : kBinary) {
    BinaryOp op = e.op;
    if (e.dunder) cls.def(e.dunder, [op](const Tensor& t, py::handle o) { return apply_binary(op, t, o, false); }, py::is_operator());
    if (e.rdunder) cls.def(e.rdunder, [op](const Tensor& t, py::handle o) { return apply_binary(op, t, o, true); }, py::is_operator());
    if (e.idunder) cls.def(e.idunder, [op](const Tensor& t, py::handle o) { binary_in_place_any(op, t, o); return t; });
    cls.def(e.name, [op](const Tensor& t, py::handle o) { return binary_any(op, py::cast(t), o); }, py::arg(e.operand));
    std::string in_place = std::string(e.name) + "_";
    cls.def(in_place.c_str(), [op](const Tensor& t, py::handle o) { binary_in_place_any(op, t, o); return t; },
            py::arg(e.operand));
    m.def(e.name, [op](py::handle a, py::handle b) { return binary_any(op, a, b); }, py::arg("input"), py::arg(e.operand));
  }

  for (UnaryOp op : kUnary) {
    const char* name = unary_op_name(op);
    cls.def(name, without_gil([op](const Tensor& t) { return unary(op, t); }));
    std::string in_place = std::string(name) + "_";
    cls.def(in_place.c_str(), without_gil([op](const Tensor& t) {
      // logical_not_ keeps t's dtype (0/1 in a float tensor), as PyTorch's and the binary logical_*_
      if (op == UnaryOp::LogicalNot) copy_(t, unary(op, t));
      else unary_(op, t);
      return t;
    }));
    m.def(name, without_gil([op](const Tensor& t) { return unary(op, t); }), py::arg("input"));
  }
  cls.def("__neg__", [](const Tensor& t) { return unary(UnaryOp::Neg, t); })
      .def("__abs__", [](const Tensor& t) { return unary(UnaryOp::Abs, t); })
      .def("__invert__", [](const Tensor& t) { return unary(UnaryOp::BitwiseNot, t); })
      .def("negative", [](const Tensor& t) { return unary(UnaryOp::Neg, t); });
}

}  // namespace cr::bind
