"""SparseAdam (torch.optim.SparseAdam): the lazy Adam that word2vec programs pair with
nn.Embedding(..., sparse=True). Only the rows that got a gradient move, and only their moments decay.

chainrule's sparse embeddings give dense gradients (zero in the rows not looked up), so the rows that
"got a gradient" are the rows (along dim 0) with a nonzero gradient entry: PyTorch's sparse gradient
holds exactly the looked-up rows, which differ only where a looked-up row's gradient is exactly zero.
Written in Python over chainrule tensor ops, PyTorch's update and state names."""
import chainrule
from chainrule.autograd import no_grad
from chainrule.optim.optimizer import Optimizer, check_hyperparameter

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """Adam over the rows that got a gradient; state per parameter: 'step' (an int), 'exp_avg', 'exp_avg_sq'."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        if isinstance(lr, chainrule.Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        check_hyperparameter(0.0 < lr, f"Invalid learning rate: {lr}")
        check_hyperparameter(0.0 < eps, f"Invalid epsilon value: {eps}")
        check_hyperparameter(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
        check_hyperparameter(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, maximize=maximize))

    @no_grad()
    def step(self, closure=None):
        return super().step(closure)

    def _step_group(self, group, params):
        beta1, beta2 = group["betas"]
        for param in params:
            state = self._state_for(param, lambda p: {"step": 0, "exp_avg": chainrule.zeros_like(p),
                                                      "exp_avg_sq": chainrule.zeros_like(p)})
            grad = -param.grad if group["maximize"] else param.grad
            state["step"] += 1
            touched = grad.ne(0).reshape(grad.shape[0], -1).any(1).reshape(-1, *[1] * (grad.dim() - 1))
            exp_avg = chainrule.where(touched, state["exp_avg"] * beta1 + grad * (1 - beta1), state["exp_avg"])
            exp_avg_sq = chainrule.where(touched, state["exp_avg_sq"] * beta2 + grad * grad * (1 - beta2),
                                         state["exp_avg_sq"])
            state["exp_avg"].copy_(exp_avg)
            state["exp_avg_sq"].copy_(exp_avg_sq)
            step_size = float(group["lr"]) * (1 - beta2 ** state["step"]) ** 0.5 / (1 - beta1 ** state["step"])
            update = exp_avg / (exp_avg_sq.sqrt() + group["eps"]) * step_size
            param.sub_(chainrule.where(touched, update, chainrule.zeros_like(update)))
