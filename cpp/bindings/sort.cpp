// sort, argsort, msort, topk, kthvalue, median/nanmedian and quantile/nanquantile in Python, as
// Tensor methods and chainrule functions with PyTorch's signatures; those giving values and
// indices return chainrule.return_types named tuples.
#include "bindings/bindings.h"
#include "ops/creation.h"
#include "ops/sort.h"

namespace cr::bind {

namespace {

Interpolation interpolation_arg(const std::string& name, const char* op) {
  if (name == "linear") return Interpolation::Linear;
  if (name == "lower") return Interpolation::Lower;
  if (name == "higher") return Interpolation::Higher;
  if (name == "midpoint") return Interpolation::Midpoint;
  CR_CHECK(name == "nearest", RuntimeError, op,
           "() interpolation must be one of linear, lower, higher, midpoint or nearest, but got ", name);
  return Interpolation::Nearest;
}

}  // namespace

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
  def_both(m, cls, "kthvalue", [](const Tensor& t, int64_t k, int64_t dim, bool keepdim) {
    return values_indices(kthvalue(t, k, dim, keepdim), "kthvalue");
  }, py::arg("k"), py::arg("dim") = -1, py::arg("keepdim") = false);
  // median() -> the 0-d median of all elements; median(dim, keepdim) -> (values, indices).
  for (bool ignore_nan : {false, true}) {
    const char* name = ignore_nan ? "nanmedian" : "median";
    def_both(m, cls, name, [ignore_nan, name](const Tensor& t, std::optional<int64_t> dim, bool keepdim) -> py::object {
      if (!dim) {
        CR_CHECK(!keepdim, TypeError, name, "(): keepdim=True needs a dim");
        return py::cast(median_all(t, ignore_nan));
      }
      return values_indices(median_dim(t, *dim, keepdim, ignore_nan), name);
    }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  }
  // q: a number or a 0-d/1-d tensor; interpolation: linear, lower, higher, midpoint or nearest.
  for (bool ignore_nan : {false, true}) {
    const char* name = ignore_nan ? "nanquantile" : "quantile";
    def_both(m, cls, name, [ignore_nan, name](const Tensor& t, py::handle q, std::optional<int64_t> dim, bool keepdim,
                                              const std::string& interpolation) {
      Tensor levels = is_tensor(q) ? q.cast<Tensor>() : scalar_tensor(to_scalar(q, name), t->dtype());
      return quantile(t, levels, dim, keepdim, interpolation_arg(interpolation, name), ignore_nan);
    }, py::arg("q"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
       py::arg("interpolation") = "linear");
  }
}

}  // namespace cr::bind
