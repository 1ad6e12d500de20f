// sort, argsort, msort, topk, kthvalue, median/nanmedian, quantile/nanquantile (Tensor methods and
// chainrule functions), searchsorted and bucketize (functions) in Python with PyTorch's
// signatures; those giving values and indices return chainrule.return_types named tuples.
#include "bindings/bindings.h"
#include "bindings/dim_args.h"
#include "bindings/gil.h"
#include "ops/copy.h"
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

// A tensor, or a Python number as a 0-d tensor on `device` (float64 for a float, int64 otherwise).
Tensor number_or_tensor(py::handle obj, Device device, const char* op) {
  if (is_tensor(obj)) return obj.cast<Tensor>();
  const Scalar s = to_scalar(obj, op);
  return scalar_tensor(s, s.is_floating() ? DType::Float64 : DType::Int64, device);
}

}  // namespace

// stable is accepted for PyTorch's signature: chainrule's sort is always stable.
void bind_sort(py::module_& m, TensorClass& cls) {
  def_both(m, cls, "sort", [](const Tensor& t, py::handle dim, bool descending, bool /*stable*/) {
    const int64_t d = dim_arg(dim, "sort");
    return values_indices(run_without_gil([&] { return sort(t, d, descending); }, t), "sort");
  }, py::arg("dim") = -1, py::arg("descending") = false, py::kw_only(), py::arg("stable") = false);
  def_both(m, cls, "argsort", [](const Tensor& t, py::handle dim, bool descending, bool /*stable*/) {
    const int64_t d = dim_arg(dim, "argsort");
    return run_without_gil([&] { return argsort(t, d, descending); }, t);
  }, py::arg("dim") = -1, py::arg("descending") = false, py::kw_only(), py::arg("stable") = false);
  def_both(m, cls, "msort", without_gil([](const Tensor& t) { return sort(t, 0).values; }));
  // sorted=False lets PyTorch return the k values in any order; chainrule's are always sorted.
  def_both(m, cls, "topk", [](const Tensor& t, int64_t k, py::handle dim, bool largest, bool /*sorted*/) {
    const int64_t d = dim_arg(dim, "topk");
    return values_indices(run_without_gil([&] { return topk(t, k, d, largest); }, t), "topk");
  }, py::arg("k"), py::arg("dim") = -1, py::arg("largest") = true, py::arg("sorted") = true);
  def_both(m, cls, "kthvalue", [](const Tensor& t, int64_t k, py::handle dim, bool keepdim) {
    const int64_t d = dim_arg(dim, "kthvalue");
    return values_indices(run_without_gil([&] { return kthvalue(t, k, d, keepdim); }, t), "kthvalue");
  }, py::arg("k"), py::arg("dim") = -1, py::arg("keepdim") = false);
  // median() -> the 0-d median of all elements; median(dim, keepdim) -> (values, indices).
  for (bool ignore_nan : {false, true}) {
    const char* name = ignore_nan ? "nanmedian" : "median";
    def_both(m, cls, name, [ignore_nan, name](const Tensor& t, py::handle dim_obj, bool keepdim) -> py::object {
      const std::optional<int64_t> dim = optional_dim_arg(dim_obj, name);
      if (!dim) {
        CR_CHECK(!keepdim, TypeError, name, "(): keepdim=True needs a dim");
        return py::cast(run_without_gil([&] { return median_all(t, ignore_nan); }, t));
      }
      return values_indices(run_without_gil([&] { return median_dim(t, *dim, keepdim, ignore_nan); }, t), name);
    }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  }
  // q: a number or a 0-d/1-d tensor; interpolation: linear, lower, higher, midpoint or nearest.
  for (bool ignore_nan : {false, true}) {
    const char* name = ignore_nan ? "nanquantile" : "quantile";
    def_both(m, cls, name, [ignore_nan, name](const Tensor& t, py::handle q, py::handle dim, bool keepdim,
                                              const std::string& interpolation) {
      const Tensor levels = is_tensor(q) ? q.cast<Tensor>() : scalar_tensor(to_scalar(q, name), t->dtype(), t->device());
      const auto d = optional_dim_arg(dim, name);
      const Interpolation how = interpolation_arg(interpolation, name);
      return run_without_gil([&] { return quantile(t, levels, d, keepdim, how, ignore_nan); }, t);
    }, py::arg("q"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
       py::arg("interpolation") = "linear");
  }
  // Positions are int64, or int32 with out_int32=True.
  auto positions = [](const Tensor& found, bool out_int32) { return out_int32 ? to_dtype(found, DType::Int32) : found; };
  m.def("searchsorted", [positions](const Tensor& seq, py::handle values, bool out_int32, bool right,
                           std::optional<std::string> side, const OptionalTensor& sorter) {
    CR_CHECK(!side || *side == "left" || *side == "right", RuntimeError,
             "torch.searchsorted(): side can only be 'left' or 'right' but got ", *side);
    CR_CHECK(!side || !right || *side == "right", RuntimeError,
             "torch.searchsorted(): side and right can't be set to opposites, got side of left while right was True");
    return positions(searchsorted(seq, number_or_tensor(values, seq->device(), "searchsorted"),
                                  right || side == "right", or_null(sorter)),
                     out_int32);
  }, py::arg("sorted_sequence"), py::arg("input"), py::kw_only(), py::arg("out_int32") = false,
     py::arg("right") = false, py::arg("side") = py::none(), py::arg("sorter") = py::none());
  m.def("bucketize", [positions](py::handle input, const Tensor& boundaries, bool out_int32, bool right) {
    CR_CHECK(boundaries->dim() == 1, RuntimeError, "boundaries tensor must be 1 dimension, but got dim(",
             boundaries->dim(), ")");
    return positions(searchsorted(boundaries, number_or_tensor(input, boundaries->device(), "bucketize"), right),
                     out_int32);
  }, py::arg("input"), py::arg("boundaries"), py::kw_only(), py::arg("out_int32") = false, py::arg("right") = false);
}

}  // namespace cr::bind
