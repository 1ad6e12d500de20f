"""Muon (torch.optim.Muon, torch 2.13's): momentum SGD whose update is orthogonalized by a quintic
Newton-Schulz iteration, for the 2-D weights of hidden layers. Written in Python over chainrule
tensor ops, the same update as torch's single-tensor path, its Newton-Schulz iteration in bfloat16
as PyTorch's."""
import math

import chainrule
from chainrule.autograd import no_grad
from chainrule.optim.optimizer import Optimizer, check_hyperparameter

__all__ = ["Muon"]

# Keller Jordan's constants (kellerjordan.github.io/posts/muon), as torch.optim.Muon's defaults.
_EPS = 1e-7
_NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)
_NS_STEPS = 5


def zeropower_via_newtonschulz(grad, ns_coefficients, ns_steps, eps):
    """An approximate orthogonalization U S' V^T of grad = U S V^T (S' near 1): `ns_steps` quintic
    Newton-Schulz steps X <- a X + (b G + c G^2) X with G = X X^T, on the wide orientation of grad
    scaled to spectral norm at most 1.

    grad: (A, B) -> (A, B)"""
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if grad.dim() != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = ns_coefficients
    tall = grad.size(0) > grad.size(1)
    ortho = grad.bfloat16().T if tall else grad.bfloat16()  # (rows <= columns)
    ortho = ortho / ortho.norm().clamp(min=eps)
    for _ in range(ns_steps):
        gram = ortho @ ortho.T                                   # (rows, rows)
        gram_update = chainrule.addmm(gram, gram, gram, beta=b, alpha=c)
        ortho = chainrule.addmm(ortho, gram_update, ortho, beta=a)
    return ortho.T if tall else ortho


def adjusted_lr(lr, adjust_lr_fn, shape):
    """The learning rate scaled for a (A, B) matrix: sqrt(max(1, A/B)) ("original", Keller Jordan's) or
    0.2 sqrt(max(A, B)) ("match_rms_adamw", Moonshot's: the update's RMS of AdamW's)."""
    rows, columns = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / columns))
    if adjust_lr_fn == "match_rms_adamw":
        return lr * 0.2 * math.sqrt(max(rows, columns))
    return lr


class Muon(Optimizer):
    """Muon: buf <- momentum * buf + (1 - momentum) * grad (lerp), the update grad.lerp(buf, momentum)
    with nesterov (else buf) orthogonalized by Newton-Schulz, decoupled weight decay, then
    p <- p - adjusted_lr * update. Only 2-D parameters (optimize biases and embeddings with AdamW).
    State per parameter, as torch's: 'momentum_buffer'."""

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=_NS_COEFFICIENTS, eps=_EPS, ns_steps=_NS_STEPS, adjust_lr_fn=None):
        if isinstance(lr, chainrule.Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        check_hyperparameter(0.0 <= lr, f"Learning rate should be >= 0 but is: {lr}")
        check_hyperparameter(0.0 <= momentum, f"momentum should be >= 0 but is: {momentum}")
        check_hyperparameter(0.0 <= weight_decay, f"weight decay should be >= 0 but is: {weight_decay}")
        check_hyperparameter(adjust_lr_fn in (None, "original", "match_rms_adamw"),
                             f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                        ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps, adjust_lr_fn=adjust_lr_fn)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for param in group["params"]:
                if param.ndim != 2:
                    raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                     f"{param.size()}")

    @no_grad()
    def step(self, closure=None):
        return super().step(closure)

    def _step_group(self, group, params):
        lr, momentum = float(group["lr"]), group["momentum"]
        for param in params:
            if param.is_complex():
                raise RuntimeError("Muon does not support complex parameters")
            if param.grad.is_sparse:
                raise RuntimeError("Muon does not support sparse gradients")
            grad = param.grad
            buf = self._state_for(param, lambda p: {"momentum_buffer": chainrule.zeros_like(p.grad)})["momentum_buffer"]
            buf.lerp_(grad, 1 - momentum)
            update = grad.lerp(buf, momentum) if group["nesterov"] else buf
            update = zeropower_via_newtonschulz(update, group["ns_coefficients"], group["ns_steps"], group["eps"])
            param.mul_(1 - lr * group["weight_decay"])
            param.add_(update.to(param.dtype), alpha=-adjusted_lr(lr, group["adjust_lr_fn"], param.shape))
