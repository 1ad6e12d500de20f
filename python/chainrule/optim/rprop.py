"""Rprop (torch.optim.Rprop): resilient backpropagation, per-element step sizes grown or shrunk by
the sign agreement of successive gradients. Written in Python over chainrule tensor ops (there is no
fused C++ kernel for it), the same update as torch's single-tensor path."""
import chainrule
from chainrule.autograd import no_grad
from chainrule.optim.optimizer import Optimizer, check_hyperparameter

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop: each element moves by its own step size in the direction against its gradient's sign;
    the step size is multiplied by etas[1] while the gradient keeps its sign, by etas[0] when it
    flips (and that element then skips one update), and is kept within step_sizes.

    State per parameter, as torch's: 'step', 'prev' (the last gradient used), 'step_size'.
    Python tensor ops under no_grad, not a fused C++ call; `foreach` and `capturable` are accepted
    and change nothing; differentiable=True raises as for every chainrule optimizer."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        if isinstance(lr, chainrule.Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        check_hyperparameter(0.0 <= lr, f"Invalid learning rate: {lr}")
        check_hyperparameter(0.0 < etas[0] < 1.0 < etas[1], f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure=None):
        return super().step(closure)

    def _step_group(self, group, params):
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        lr = float(group["lr"])
        for param in params:
            state = self._state_for(param, lambda p: {"step": chainrule.tensor(0.0),
                                                      "prev": chainrule.zeros_like(p),
                                                      "step_size": chainrule.full_like(p, lr)})
            grad = -param.grad if group["maximize"] else param.grad
            state["step"] += 1
            agreement = grad.mul(state["prev"])
            flipped = agreement.lt(0)
            factor = chainrule.where(agreement.gt(0), chainrule.full_like(grad, etaplus),
                                     chainrule.where(flipped, chainrule.full_like(grad, etaminus),
                                                     chainrule.ones_like(grad)))
            state["step_size"].mul_(factor).clamp_(step_size_min, step_size_max)
            grad = chainrule.where(flipped, chainrule.zeros_like(grad), grad)  # a flipped element skips this step
            param.addcmul_(grad.sign(), state["step_size"], value=-1)
            state["prev"].copy_(grad)
