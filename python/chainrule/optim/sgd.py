"""SGD (torch.optim.SGD): momentum, dampening, Nesterov, weight decay, maximize; one fused C++ call
per parameter group."""
import chainrule
from chainrule import _C
from chainrule.optim.optimizer import Optimizer, check_hyperparameter

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (torch.optim.SGD's update)."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
                 foreach=None, differentiable=False, fused=None):
        check_hyperparameter(lr >= 0.0, f"Invalid learning rate: {lr}")
        check_hyperparameter(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        check_hyperparameter(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        check_hyperparameter(not nesterov or (momentum > 0 and dampening == 0),
                             "Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)

    def _step_group(self, group, params):
        buffers, is_new = [], []
        if group["momentum"] != 0:
            for p in params:
                state = self.state[p]
                is_new.append(state.get("momentum_buffer") is None)
                if is_new[-1]:  # filled with the gradient by the first step, as torch does
                    state["momentum_buffer"] = chainrule.empty_like(p)
                buffers.append(state["momentum_buffer"])
        _C._optim.sgd_step(params, [p.grad for p in params], buffers, is_new, lr=group["lr"],
                           momentum=group["momentum"], dampening=group["dampening"],
                           weight_decay=group["weight_decay"], nesterov=group["nesterov"],
                           maximize=group["maximize"])
