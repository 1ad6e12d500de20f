// sort, argsort, msort and topk in Python, as Tensor methods and chainrule functions with PyTorch's
// signatures; sort and topk return chainrule.return_types.sort/topk named tuples.
#include "bindings/bindings.h"
#include "ops/sort.h"

namespace cr::bind {

// stable is accepted for PyTorch's signature: chainrule's sort is always stable.
void bind_sort(py::module_& m, TensorClass& cls) {
  def_both(m, cls, "sort", [](const Tensor& t, int64_t dim, bool descending, bool /*stable*/) {
    return values_indices(sort(t, dim, descending), "sort");
  }, py::arg("dim") = -1, py::arg("descending") = false, py::kw_only(), py::arg("stable") = false);
  def_both(m, cls, "argsort", [](const Tensor& t, int64_t dim, bool descending, bool /*stable*/) {
    return argsort(t, dim, descending);
  }, py::arg("dim") = -1, py::arg("descending") = false, py::kw_only(), py::arg("stable") = false);
  def_both(m, cls, "msort", [](const Tensor& t) { return sort(t, 0).values; });
  // sorted=False lets PyTorch return the k values in any order; chainrule's are always sorted.
  def_both(m, cls, "topk", [](const Tensor& t, int64_t k, int64_t dim, bool largest, bool /*sorted*/) {
    return values_indices(topk(t, k, dim, largest), "topk");
  }, py::arg("k"), py::arg("dim") = -1, py::arg("largest") = true, py::arg("sorted") = true);
}

}  // namespace cr::bind
