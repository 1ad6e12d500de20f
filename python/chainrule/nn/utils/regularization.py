"""L1 and L2 penalties on parameters (chainrule's addition; torch.nn.utils has no such helpers).

Add one to the loss to regularize:

    loss = criterion(model(x), y) + 1e-4 * nn.utils.l1_penalty(model.parameters())

L1 (sum |w|) pushes weights to exactly zero (sparse models, feature selection); its gradient
lam * sign(w) has the same size however small w is. L2 (sum w^2) shrinks all weights in proportion
to their size (gradient 2 * lam * w) and rarely makes them exactly zero; it is the usual default.
For plain L2 the usual path is the optimizer's weight_decay argument (SGD(..., weight_decay=lam)
adds lam * w to each gradient, which equals adding lam / 2 * l2_penalty to the loss), cheaper than
building the penalty in the graph; with Adam, AdamW's decoupled weight decay is preferred.
Biases and normalization weights are often excluded: pass only the parameters to regularize.
"""
from chainrule import _C
from chainrule._C import Tensor

__all__ = ["l1_penalty", "l2_penalty"]


def _penalty(parameters, term, name):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    terms = [term(p).sum() for p in parameters]
    if not terms:
        raise ValueError(f"{name}: got no parameters")
    return _C.stack(terms).sum() if len(terms) > 1 else terms[0]


def l1_penalty(parameters):
    """sum over parameters of sum |w|: a differentiable scalar to add (times a small lambda) to the loss."""
    return _penalty(parameters, lambda p: p.abs(), "l1_penalty")


def l2_penalty(parameters):
    """sum over parameters of sum w^2: a differentiable scalar to add (times a small lambda) to the loss."""
    return _penalty(parameters, lambda p: p * p, "l2_penalty")
