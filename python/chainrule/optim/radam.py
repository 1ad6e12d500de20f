"""RAdam (torch.optim.RAdam): rectified Adam; weight decay (coupled, or decoupled as in AdamW),
maximize; one fused C++ call per parameter group."""
from chainrule import _C
from chainrule.optim.adam import Adam
from chainrule.optim.optimizer import Optimizer, check_hyperparameter

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam: Adam with a variance rectification term; its first steps are plain momentum steps
    (torch.optim.RAdam's update and state names)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        check_hyperparameter(0.0 <= lr, f"Invalid learning rate: {lr}")
        check_hyperparameter(0.0 <= eps, f"Invalid epsilon value: {eps}")
        check_hyperparameter(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
        check_hyperparameter(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
        check_hyperparameter(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    _initial_state = staticmethod(Adam._initial_state)  # the same state names and zeros as Adam

    def _step_group(self, group, params):
        states = [self._state_for(p, self._initial_state) for p in params]
        beta1, beta2 = group["betas"]
        _C._optim.radam_step(params, [p.grad for p in params], [s["exp_avg"] for s in states],
                             [s["exp_avg_sq"] for s in states], [s["step"] for s in states], lr=group["lr"],
                             beta1=beta1, beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
                             decoupled_weight_decay=group["decoupled_weight_decay"], maximize=group["maximize"])
