// chainrule._C._optim: the fused optimizer steps behind chainrule.optim (one call per parameter group).
#include "bindings/bindings.h"
#include "bindings/gil.h"
#include "ops/optim.h"

namespace cr::bind {

void bind_optim(py::module_& m) {
  py::module_ optim = m.def_submodule("_optim", "chainrule's fused optimizer steps (see chainrule.optim)");
  optim.def(
      "sgd_step",
      without_gil([](const TensorList& params, const TensorList& grads, const TensorList& momentum_buffers,
         const std::vector<bool>& buffer_is_new, double lr, double momentum, double dampening, double weight_decay,
         bool nesterov, bool maximize) {
        sgd_step(params, grads, momentum_buffers, buffer_is_new,
                 {lr, momentum, dampening, weight_decay, nesterov, maximize});
      }),
      py::arg("params"), py::arg("grads"), py::arg("momentum_buffers"), py::arg("buffer_is_new"), py::kw_only(),
      py::arg("lr"), py::arg("momentum"), py::arg("dampening"), py::arg("weight_decay"), py::arg("nesterov"),
      py::arg("maximize"), "SGD update of one parameter group, in place.");
  optim.def(
      "adam_step",
      without_gil([](const TensorList& params, const TensorList& grads, const TensorList& exp_avgs, const TensorList& exp_avg_sqs,
         const TensorList& max_exp_avg_sqs, const TensorList& steps, double lr, double beta1, double beta2, double eps,
         double weight_decay, bool amsgrad, bool maximize, bool decoupled_weight_decay) {
        adam_step(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps,
                  {lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay});
      }),
      py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_avg_sqs"), py::arg("max_exp_avg_sqs"),
      py::arg("steps"), py::kw_only(), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"),
      py::arg("weight_decay"), py::arg("amsgrad"), py::arg("maximize"), py::arg("decoupled_weight_decay"),
      "Adam (or AdamW, with decoupled_weight_decay) update of one parameter group, in place.");
  optim.def(
      "rmsprop_step",
      without_gil([](const TensorList& params, const TensorList& grads, const TensorList& square_avgs, const TensorList& grad_avgs,
         const TensorList& momentum_buffers, const TensorList& steps, double lr, double alpha, double eps,
         double weight_decay, double momentum, bool centered, bool maximize) {
        rmsprop_step(params, grads, square_avgs, grad_avgs, momentum_buffers, steps,
                     {lr, alpha, eps, weight_decay, momentum, centered, maximize});
      }),
      py::arg("params"), py::arg("grads"), py::arg("square_avgs"), py::arg("grad_avgs"), py::arg("momentum_buffers"),
      py::arg("steps"), py::kw_only(), py::arg("lr"), py::arg("alpha"), py::arg("eps"), py::arg("weight_decay"),
      py::arg("momentum"), py::arg("centered"), py::arg("maximize"), "RMSprop update of one parameter group, in place.");
  optim.def(
      "adagrad_step",
      without_gil([](const TensorList& params, const TensorList& grads, const TensorList& state_sums, const TensorList& steps,
         double lr, double lr_decay, double weight_decay, double eps, bool maximize) {
        adagrad_step(params, grads, state_sums, steps, {lr, lr_decay, weight_decay, eps, maximize});
      }),
      py::arg("params"), py::arg("grads"), py::arg("state_sums"), py::arg("steps"), py::kw_only(), py::arg("lr"),
      py::arg("lr_decay"), py::arg("weight_decay"), py::arg("eps"), py::arg("maximize"),
      "Adagrad update of one parameter group, in place.");
  optim.def(
      "adadelta_step",
      without_gil([](const TensorList& params, const TensorList& grads, const TensorList& square_avgs, const TensorList& acc_deltas,
         const TensorList& steps, double lr, double rho, double eps, double weight_decay, bool maximize) {
        adadelta_step(params, grads, square_avgs, acc_deltas, steps, {lr, rho, eps, weight_decay, maximize});
      }),
      py::arg("params"), py::arg("grads"), py::arg("square_avgs"), py::arg("acc_deltas"), py::arg("steps"),
      py::kw_only(), py::arg("lr"), py::arg("rho"), py::arg("eps"), py::arg("weight_decay"), py::arg("maximize"),
      "Adadelta update of one parameter group, in place.");
  optim.def(
      "adamax_step",
      without_gil([](const TensorList& params, const TensorList& grads, const TensorList& exp_avgs, const TensorList& exp_infs,
         const TensorList& steps, double lr, double beta1, double beta2, double eps, double weight_decay,
         bool maximize) {
        adamax_step(params, grads, exp_avgs, exp_infs, steps, {lr, beta1, beta2, eps, weight_decay, maximize});
      }),
      py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_infs"), py::arg("steps"), py::kw_only(),
      py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay"), py::arg("maximize"),
      "Adamax update of one parameter group, in place.");
  optim.def(
      "nadam_step",
      without_gil([](const TensorList& params, const TensorList& grads, const TensorList& exp_avgs, const TensorList& exp_avg_sqs,
         const TensorList& mu_products, const TensorList& steps, double lr, double beta1, double beta2, double eps,
         double weight_decay, double momentum_decay, bool decoupled_weight_decay, bool maximize) {
        nadam_step(params, grads, exp_avgs, exp_avg_sqs, mu_products, steps,
                   {lr, beta1, beta2, eps, weight_decay, momentum_decay, decoupled_weight_decay, maximize});
      }),
      py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_avg_sqs"), py::arg("mu_products"),
      py::arg("steps"), py::kw_only(), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"),
      py::arg("weight_decay"), py::arg("momentum_decay"), py::arg("decoupled_weight_decay"), py::arg("maximize"),
      "NAdam update of one parameter group, in place (mu_products and steps too).");
  optim.def(
      "radam_step",
      without_gil([](const TensorList& params, const TensorList& grads, const TensorList& exp_avgs, const TensorList& exp_avg_sqs,
         const TensorList& steps, double lr, double beta1, double beta2, double eps, double weight_decay,
         bool decoupled_weight_decay, bool maximize) {
        radam_step(params, grads, exp_avgs, exp_avg_sqs, steps,
                   {lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay, maximize});
      }),
      py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_avg_sqs"), py::arg("steps"),
      py::kw_only(), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay"),
      py::arg("decoupled_weight_decay"), py::arg("maximize"), "RAdam update of one parameter group, in place.");
  optim.def(
      "asgd_step",
      without_gil([](const TensorList& params, const TensorList& grads, const TensorList& axs, const TensorList& etas,
         const TensorList& mus, const TensorList& steps, double lr, double lambd, double alpha, double t0,
         double weight_decay, bool maximize) {
        asgd_step(params, grads, axs, etas, mus, steps, {lr, lambd, alpha, t0, weight_decay, maximize});
      }),
      py::arg("params"), py::arg("grads"), py::arg("axs"), py::arg("etas"), py::arg("mus"), py::arg("steps"),
      py::kw_only(), py::arg("lr"), py::arg("lambd"), py::arg("alpha"), py::arg("t0"), py::arg("weight_decay"),
      py::arg("maximize"), "ASGD update of one parameter group, in place (etas, mus and steps too).");
}

}  // namespace cr::bind
