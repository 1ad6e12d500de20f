// The dropout family on chainrule._C._nn, out of place and in place: dropout, feature_dropout,
// alpha_dropout, feature_alpha_dropout. The Python wrappers in chainrule.nn.functional.dropout give
// them torch.nn.functional's signatures.
#include <utility>

#include "bindings/bindings.h"
#include "bindings/gil.h"
#include "ops/dropout.h"

namespace cr::bind {

void bind_dropout(py::module_& nn) {
  using DropoutFn = Tensor (*)(const Tensor&, double, bool);
  const std::pair<const char*, DropoutFn> dropouts[] = {
      {"dropout", dropout},
      {"dropout_", dropout_},
      {"feature_dropout", feature_dropout},
      {"feature_dropout_", feature_dropout_},
      {"alpha_dropout", alpha_dropout},
      {"alpha_dropout_", alpha_dropout_},
      {"feature_alpha_dropout", feature_alpha_dropout},
      {"feature_alpha_dropout_", feature_alpha_dropout_},
  };
  for (const auto& [name, fn] : dropouts) nn.def(name, without_gil(fn), py::arg("input"), py::arg("p"), py::arg("train"));
}

}  // namespace cr::bind
