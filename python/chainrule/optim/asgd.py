"""ASGD (torch.optim.ASGD): averaged stochastic gradient descent; weight decay, maximize; one fused
C++ call per parameter group."""
import chainrule
from chainrule import _C
from chainrule.optim.optimizer import Optimizer, check_hyperparameter

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD (torch.optim.ASGD's update and state: `step`, `eta` (the learning rate of the
    next step) and `mu` (the averaging weight) as one-element float tensors, `ax` (the average)."""

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None, maximize=False,
                 differentiable=False, capturable=False):
        check_hyperparameter(0.0 <= lr, f"Invalid learning rate: {lr}")
        check_hyperparameter(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    @staticmethod
    def _initial_state(group):
        return lambda p: {"step": chainrule.tensor(0.0), "eta": chainrule.tensor(float(group["lr"])),
                          "mu": chainrule.tensor(1.0), "ax": chainrule.zeros_like(p)}

    def _step_group(self, group, params):
        states = [self._state_for(p, self._initial_state(group)) for p in params]
        _C._optim.asgd_step(params, [p.grad for p in params], [s["ax"] for s in states], [s["eta"] for s in states],
                            [s["mu"] for s in states], [s["step"] for s in states], lr=group["lr"],
                            lambd=group["lambd"], alpha=group["alpha"], t0=group["t0"],
                            weight_decay=group["weight_decay"], maximize=group["maximize"])
