"""Adafactor (torch.optim.Adafactor, torch 2.13's): second moments kept factored into row and column
means for parameters of two or more dimensions, a relative step size and update clipping. Written in
Python over chainrule tensor ops (there is no fused C++ kernel for it), the same update as torch's
single-tensor path."""
import math

import chainrule
from chainrule.autograd import no_grad
from chainrule.optim.optimizer import Optimizer, check_hyperparameter

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    """Adafactor (Shazeer & Stern, 2018, as torch implements it): the step at t is
    max(eps2, RMS(param)) * min(lr, 1/sqrt(t)) times grad / sqrt(v), with v an average of grad**2
    whose decay is 1 - t**beta2_decay, and the update's RMS clipped to d.

    State per parameter, as torch's: 'step'; 'row_var' and 'col_var' (means of grad**2 over the last
    and the next-to-last dimension) for parameters of 2 or more dimensions, 'variance' otherwise.
    eps=(eps1, eps2): eps1 None means the parameter dtype's machine epsilon. Python tensor ops under
    no_grad, not a fused C++ call; `foreach` is accepted and changes nothing."""

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        if isinstance(lr, chainrule.Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        check_hyperparameter(0.0 <= lr, f"Learning rate should be >= 0 but is: {lr}")
        check_hyperparameter(0.0 >= beta2_decay, f"beta2_decay should be <= 0 but is: {beta2_decay}")
        check_hyperparameter(eps[0] is None or 0.0 <= eps[0], f"epsilon1 should be >= 0 but is: {eps[0]}")
        check_hyperparameter(0.0 <= eps[1], f"epsilon2 should be >= 0 but is: {eps[1]}")
        check_hyperparameter(1.0 <= d, f"Clipping threshold d should be >= 1 but is: {d}")
        check_hyperparameter(0.0 <= weight_decay, f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure=None):
        return super().step(closure)

    @staticmethod
    def _initial_state(param):
        if param.dim() < 2:
            return {"step": chainrule.tensor(0.0), "variance": chainrule.zeros_like(param)}
        row_shape, col_shape = list(param.shape), list(param.shape)
        row_shape[-1] = 1
        col_shape[-2] = 1
        return {"step": chainrule.tensor(0.0), "row_var": param.new_zeros(row_shape),
                "col_var": param.new_zeros(col_shape)}

    def _step_group(self, group, params):
        lr = float(group["lr"])
        eps1, eps2 = group["eps"]
        for param in params:
            if param.is_complex():
                raise RuntimeError("Adafactor does not support complex parameters")
            state = self._state_for(param, self._initial_state)
            grad = -param.grad if group["maximize"] else param.grad
            param_eps1 = chainrule.finfo(param.dtype).eps if eps1 is None else eps1
            state["step"] += 1
            step = float(state["step"].item())
            one_minus_beta2 = step ** group["beta2_decay"]
            alpha = max(eps2, param.norm(2).item() / math.sqrt(param.numel())) * min(lr, 1 / math.sqrt(step))
            if group["weight_decay"] != 0:
                param.mul_(1 - lr * group["weight_decay"])
            if grad.dim() > 1:
                row_var, col_var = state["row_var"], state["col_var"]
                row_var.lerp_(chainrule.norm(grad, dim=-1, keepdim=True).square_().div_(grad.size(-1)),
                              one_minus_beta2)
                col_var.lerp_(chainrule.norm(grad, dim=-2, keepdim=True).square_().div_(grad.size(-2)),
                              one_minus_beta2)
                var_estimate = row_var @ col_var
                var_estimate.div_(row_var.mean(dim=-2, keepdim=True).clamp_(min=param_eps1))
            else:
                state["variance"].lerp_(grad * grad, one_minus_beta2)
                var_estimate = state["variance"].clone()
            update = var_estimate.clamp_(min=param_eps1 * param_eps1).rsqrt_().mul_(grad)
            denom = max(1.0, update.norm(2).item() / (math.sqrt(update.numel()) * group["d"]))
            param.add_(update, alpha=-alpha / denom)
