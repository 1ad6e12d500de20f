// Loss functions in chainrule._C._nn (behind chainrule.nn.functional). Reductions arrive as
// PyTorch's names ('mean', 'sum', 'none'; kl_div also 'batchmean'); optional tensors as None.
#include "bindings/bindings.h"
#include "bindings/gil.h"
#include "ops/loss.h"

namespace cr::bind {

namespace {

Tensor optional_tensor(py::handle h) { return h.is_none() ? nullptr : h.cast<Tensor>(); }

}  // namespace

void bind_loss(py::module_& nn) {
  using T = const Tensor&;
  using S = const std::string&;
  nn.def("mse_loss", [](T input, T target, S reduction, py::handle weight) {
    const Tensor weight_t = optional_tensor(weight);
    const Reduction how = parse_reduction(reduction, "mse_loss");
    return run_without_gil([&] { return mse_loss(input, target, how, weight_t); }, input, target);
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("weight") = py::none());
  nn.def("l1_loss", [](T input, T target, S reduction, py::handle weight) {
    const Tensor weight_t = optional_tensor(weight);
    const Reduction how = parse_reduction(reduction, "l1_loss");
    return run_without_gil([&] { return l1_loss(input, target, how, weight_t); }, input, target);
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("weight") = py::none());
  nn.def("smooth_l1_loss", [](T input, T target, S reduction, double beta) {
    const Reduction how = parse_reduction(reduction, "smooth_l1_loss");
    return run_without_gil([&] { return smooth_l1_loss(input, target, how, beta); }, input, target);
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("beta") = 1.0);
  nn.def("huber_loss", [](T input, T target, S reduction, double delta, py::handle weight) {
    const Tensor weight_t = optional_tensor(weight);
    const Reduction how = parse_reduction(reduction, "huber_loss");
    return run_without_gil([&] { return huber_loss(input, target, how, delta, weight_t); }, input, target);
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("delta") = 1.0,
     py::arg("weight") = py::none());
  nn.def("binary_cross_entropy", [](T input, T target, py::handle weight, S reduction) {
    const Tensor weight_t = optional_tensor(weight);
    const Reduction how = parse_reduction(reduction, "binary_cross_entropy");
    return run_without_gil([&] { return binary_cross_entropy(input, target, weight_t, how); }, input, target);
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("reduction") = "mean");
  nn.def("binary_cross_entropy_with_logits", [](T input, T target, py::handle weight, py::handle pos_weight, S reduction) {
    const Tensor weight_t = optional_tensor(weight);
    const Tensor pos_weight_t = optional_tensor(pos_weight);
    const Reduction how = parse_reduction(reduction, "binary_cross_entropy_with_logits");
    return run_without_gil(
        [&] { return binary_cross_entropy_with_logits(input, target, weight_t, pos_weight_t, how); }, input, target);
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("pos_weight") = py::none(),
     py::arg("reduction") = "mean");
  nn.def("kl_div", without_gil(&kl_div), py::arg("input"), py::arg("target"), py::arg("reduction") = "mean",
         py::arg("log_target") = false);
  nn.def("nll_loss", [](T input, T target, py::handle weight, S reduction, int64_t ignore_index) {
    const Tensor weight_t = optional_tensor(weight);
    const Reduction how = parse_reduction(reduction, "nll_loss");
    return run_without_gil([&] { return nll_loss(input, target, weight_t, how, ignore_index); }, input, target);
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("reduction") = "mean",
     py::arg("ignore_index") = -100);
  nn.def("cross_entropy", [](T input, T target, py::handle weight, S reduction, int64_t ignore_index, double smoothing) {
    const Tensor weight_t = optional_tensor(weight);
    const Reduction how = parse_reduction(reduction, "cross_entropy");
    return run_without_gil(
        [&] { return cross_entropy(input, target, weight_t, how, ignore_index, smoothing); }, input, target);
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("reduction") = "mean",
     py::arg("ignore_index") = -100, py::arg("label_smoothing") = 0.0);
  nn.def("one_hot", &one_hot, py::arg("tensor"), py::arg("num_classes") = -1);
  nn.def("cosine_similarity", without_gil(&cosine_similarity), py::arg("x1"), py::arg("x2"), py::arg("dim") = 1,
         py::arg("eps") = 1e-8);
  nn.def("cosine_embedding_loss", [](T input1, T input2, T target, double margin, S reduction) {
    const Reduction how = parse_reduction(reduction, "cosine_embedding_loss");
    return run_without_gil([&] { return cosine_embedding_loss(input1, input2, target, margin, how); }, input1, input2);
  }, py::arg("input1"), py::arg("input2"), py::arg("target"), py::arg("margin") = 0.0, py::arg("reduction") = "mean");
  nn.def("margin_ranking_loss", [](T input1, T input2, T target, double margin, S reduction) {
    const Reduction how = parse_reduction(reduction, "margin_ranking_loss");
    return run_without_gil([&] { return margin_ranking_loss(input1, input2, target, margin, how); }, input1, input2);
  }, py::arg("input1"), py::arg("input2"), py::arg("target"), py::arg("margin") = 0.0, py::arg("reduction") = "mean");
}

}  // namespace cr::bind
