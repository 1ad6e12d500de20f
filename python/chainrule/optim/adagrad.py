"""Adagrad (torch.optim.Adagrad): lr decay, weight decay, initial accumulator, maximize; one fused
C++ call per parameter group (dense gradients)."""
import chainrule
from chainrule import _C
from chainrule.optim.optimizer import Optimizer, check_hyperparameter

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad: per-element learning rates from accumulated squared gradients (torch.optim.Adagrad)."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_hyperparameter(0.0 <= lr, f"Invalid learning rate: {lr}")
        check_hyperparameter(0.0 <= lr_decay, f"Invalid lr_decay value: {lr_decay}")
        check_hyperparameter(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        check_hyperparameter(0.0 <= initial_accumulator_value,
                             f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        check_hyperparameter(0.0 <= eps, f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:  # torch fills the state at construction
            for p in group["params"]:
                self._state_for(p, self._initial_state(group))

    @staticmethod
    def _initial_state(group):
        return lambda p: {"step": chainrule.tensor(0.0),
                          "sum": chainrule.full_like(p, group["initial_accumulator_value"])}

    def _step_group(self, group, params):
        states = [self._state_for(p, self._initial_state(group)) for p in params]
        _C._optim.adagrad_step(params, [p.grad for p in params], [s["sum"] for s in states],
                               [s["step"] for s in states], lr=group["lr"], lr_decay=group["lr_decay"],
                               weight_decay=group["weight_decay"], eps=group["eps"], maximize=group["maximize"])
