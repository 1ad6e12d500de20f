// The special functions on chainrule._C and as Tensor methods: lgamma, digamma, polygamma(n, x),
// erfinv, erfc, out of place and in place (torch's names and argument orders; polygamma takes n first,
// as torch.polygamma and Tensor.polygamma do).
#include "bindings/bindings.h"
#include "bindings/gil.h"
#include "ops/special.h"

namespace cr::bind {

void bind_special(py::module_& m, TensorClass& cls) {
  const std::pair<const char*, SpecialOp> unary[] = {{"lgamma", SpecialOp::Lgamma},
                                                     {"digamma", SpecialOp::Polygamma},
                                                     {"erfinv", SpecialOp::Erfinv},
                                                     {"erfc", SpecialOp::Erfc}};
  for (const auto& [name, op] : unary) {
    auto out_of_place = [op = op](const Tensor& x) { return special(op, x); };
    auto in_place = [op = op](const Tensor& x) {
      special_(op, x);
      return x;
    };
    m.def(name, without_gil(out_of_place), py::arg("input"));
    cls.def(name, without_gil(out_of_place));
    cls.def(str_cat(name, "_").c_str(), without_gil(in_place));
  }
  auto polygamma = [](int64_t n, const Tensor& x) { return special(SpecialOp::Polygamma, x, n); };
  m.def("polygamma", without_gil(polygamma), py::arg("n"), py::arg("input"));
  cls.def("polygamma", without_gil([](const Tensor& x, int64_t n) { return special(SpecialOp::Polygamma, x, n); }),
          py::arg("n"));
  cls.def("polygamma_", without_gil([](const Tensor& x, int64_t n) {
            special_(SpecialOp::Polygamma, x, n);
            return x;
          }),
          py::arg("n"));
}

}  // namespace cr::bind
