"""RMSprop (torch.optim.RMSprop): centered, momentum, weight decay, maximize; one fused C++ call per
parameter group."""
import chainrule
from chainrule import _C
from chainrule.optim.optimizer import Optimizer, check_hyperparameter

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop: divides the gradient by a running root mean square (torch.optim.RMSprop's update)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_hyperparameter(0.0 <= lr, f"Invalid learning rate: {lr}")
        check_hyperparameter(0.0 <= eps, f"Invalid epsilon value: {eps}")
        check_hyperparameter(0.0 <= momentum, f"Invalid momentum value: {momentum}")
        check_hyperparameter(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        check_hyperparameter(0.0 <= alpha, f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _step_group(self, group, params):
        states = [self._state_for(p, lambda p: {"step": chainrule.tensor(0.0),
                                                "square_avg": chainrule.zeros_like(p)}) for p in params]
        grad_avgs = ([self._buffer(s, "grad_avg", p) for p, s in zip(params, states)]
                     if group["centered"] else [])
        buffers = ([self._buffer(s, "momentum_buffer", p) for p, s in zip(params, states)]
                   if group["momentum"] > 0 else [])
        _C._optim.rmsprop_step(params, [p.grad for p in params], [s["square_avg"] for s in states], grad_avgs,
                               buffers, [s["step"] for s in states], lr=group["lr"], alpha=group["alpha"],
                               eps=group["eps"], weight_decay=group["weight_decay"], momentum=group["momentum"],
                               centered=group["centered"], maximize=group["maximize"])
