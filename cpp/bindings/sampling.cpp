// randperm and multinomial in Python with PyTorch's signatures. generator=None draws from the
// global generator (chainrule.manual_seed); a chainrule.Generator gives the op a seed drawn from
// its own stream (chainrule._generator.seed_for_op), so it advances as PyTorch's would.
#include "bindings/bindings.h"
#include "ops/sampling.h"

namespace cr::bind {

void bind_sampling(py::module_& m, TensorClass& cls) {
  m.def("randperm", [](int64_t n, py::handle generator, py::handle dtype, py::handle device, bool requires_grad) {
    return finish_factory(with_generator(generator, [&](Generator& g) {
      return randperm(n, to_dtype(dtype, DType::Int64), to_device(device), g);
    }), requires_grad);
  }, py::arg("n"), py::kw_only(), py::arg("generator") = py::none(), py::arg("dtype") = py::none(),
     py::arg("device") = py::none(), py::arg("requires_grad") = false,
     "randperm(n): a random permutation of 0, ..., n - 1 (int64 unless dtype says otherwise).");
  def_both(m, cls, "multinomial", [](const Tensor& t, int64_t num_samples, bool replacement, py::handle generator) {
    return with_generator(generator, [&](Generator& g) { return multinomial(t, num_samples, replacement, g); });
  }, py::arg("num_samples"), py::arg("replacement") = false, py::kw_only(), py::arg("generator") = py::none());
}

}  // namespace cr::bind
