// Loss functions in chainrule._C._nn (behind chainrule.nn.functional). Reductions arrive as
// PyTorch's names ('mean', 'sum', 'none'; kl_div also 'batchmean'); optional tensors as None.
#include "bindings/bindings.h"
#include "ops/loss.h"

namespace cr::bind {

namespace {

Tensor optional_tensor(py::handle h) { return h.is_none() ? nullptr : h.cast<Tensor>(); }

}  // namespace

void bind_loss(py::module_& nn) {
  using T = const Tensor&;
  using S = const std::string&;
  nn.def("mse_loss", [](T input, T target, S reduction, py::handle weight) {
    return mse_loss(input, target, parse_reduction(reduction, "mse_loss"), optional_tensor(weight));
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("weight") = py::none());
  nn.def("l1_loss", [](T input, T target, S reduction, py::handle weight) {
    return l1_loss(input, target, parse_reduction(reduction, "l1_loss"), optional_tensor(weight));
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("weight") = py::none());
  nn.def("smooth_l1_loss", [](T input, T target, S reduction, double beta) {
    return smooth_l1_loss(input, target, parse_reduction(reduction, "smooth_l1_loss"), beta);
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("beta") = 1.0);
  nn.def("huber_loss", [](T input, T target, S reduction, double delta, py::handle weight) {
    return huber_loss(input, target, parse_reduction(reduction, "huber_loss"), delta, optional_tensor(weight));
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("delta") = 1.0,
     py::arg("weight") = py::none());
  nn.def("binary_cross_entropy", [](T input, T target, py::handle weight, S reduction) {
    return binary_cross_entropy(input, target, optional_tensor(weight), parse_reduction(reduction, "binary_cross_entropy"));
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("reduction") = "mean");
  nn.def("binary_cross_entropy_with_logits", [](T input, T target, py::handle weight, py::handle pos_weight, S reduction) {
    return binary_cross_entropy_with_logits(input, target, optional_tensor(weight), optional_tensor(pos_weight),
                                            parse_reduction(reduction, "binary_cross_entropy_with_logits"));
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("pos_weight") = py::none(),
     py::arg("reduction") = "mean");
  nn.def("kl_div", &kl_div, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean",
         py::arg("log_target") = false);
  nn.def("nll_loss", [](T input, T target, py::handle weight, S reduction, int64_t ignore_index) {
    return nll_loss(input, target, optional_tensor(weight), parse_reduction(reduction, "nll_loss"), ignore_index);
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("reduction") = "mean",
     py::arg("ignore_index") = -100);
  nn.def("cross_entropy", [](T input, T target, py::handle weight, S reduction, int64_t ignore_index, double smoothing) {
    return cross_entropy(input, target, optional_tensor(weight), parse_reduction(reduction, "cross_entropy"),
                         ignore_index, smoothing);
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("reduction") = "mean",
     py::arg("ignore_index") = -100, py::arg("label_smoothing") = 0.0);
  nn.def("one_hot", &one_hot, py::arg("tensor"), py::arg("num_classes") = -1);
  nn.def("cosine_similarity", &cosine_similarity, py::arg("x1"), py::arg("x2"), py::arg("dim") = 1,
         py::arg("eps") = 1e-8);
  nn.def("cosine_embedding_loss", [](T input1, T input2, T target, double margin, S reduction) {
    return cosine_embedding_loss(input1, input2, target, margin, parse_reduction(reduction, "cosine_embedding_loss"));
  }, py::arg("input1"), py::arg("input2"), py::arg("target"), py::arg("margin") = 0.0, py::arg("reduction") = "mean");
  nn.def("margin_ranking_loss", [](T input1, T input2, T target, double margin, S reduction) {
    return margin_ranking_loss(input1, input2, target, margin, parse_reduction(reduction, "margin_ranking_loss"));
  }, py::arg("input1"), py::arg("input2"), py::arg("target"), py::arg("margin") = 0.0, py::arg("reduction") = "mean");
}

}  // namespace cr::bind
