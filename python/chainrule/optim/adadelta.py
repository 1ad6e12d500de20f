"""Adadelta (torch.optim.Adadelta): weight decay, maximize; one fused C++ call per parameter group."""
import chainrule
from chainrule import _C
from chainrule.optim.optimizer import Optimizer, check_hyperparameter

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta: steps scaled by running averages of squared gradients and of squared updates
    (torch.optim.Adadelta's update and state names)."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        check_hyperparameter(0.0 <= lr, f"Invalid learning rate: {lr}")
        check_hyperparameter(0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        check_hyperparameter(0.0 <= eps, f"Invalid epsilon value: {eps}")
        check_hyperparameter(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, capturable=capturable,
                        foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    @staticmethod
    def _initial_state(param):
        return {"step": chainrule.tensor(0.0), "square_avg": chainrule.zeros_like(param),
                "acc_delta": chainrule.zeros_like(param)}

    def _step_group(self, group, params):
        states = [self._state_for(p, self._initial_state) for p in params]
        _C._optim.adadelta_step(params, [p.grad for p in params], [s["square_avg"] for s in states],
                                [s["acc_delta"] for s in states], [s["step"] for s in states], lr=group["lr"],
                                rho=group["rho"], eps=group["eps"], weight_decay=group["weight_decay"],
                                maximize=group["maximize"])
