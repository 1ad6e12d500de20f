"""Losses composed from recorded ops: hinge_embedding_loss, soft_margin_loss, multilabel_soft_margin_loss,
multilabel_margin_loss, multi_margin_loss, triplet_margin_loss, triplet_margin_with_distance_loss, poisson_nll_loss,
gaussian_nll_loss.

Each follows ATen's (or torch.nn.functional's) formula term by term, so values and gradients, those
at the kinks included, are PyTorch's; the autograd engine derives the backward. Arguments (the
legacy size_average/reduce pair included), argument checks and messages follow torch.nn.functional.
"""
import math

from chainrule.amp import cast_policy as _autocast
import chainrule
from chainrule import _C
from chainrule.nn.functional.activation import logsigmoid
from chainrule.nn.functional.distance import pairwise_distance
from chainrule.nn.functional.loss import _reduction

__all__ = ["hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss", "multilabel_margin_loss",
           "multi_margin_loss",
           "triplet_margin_loss", "triplet_margin_with_distance_loss", "poisson_nll_loss", "gaussian_nll_loss"]

_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(loss, reduction):
    _check_reduction(reduction)
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


@_autocast.float32
def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """input where target is 1, max(0, margin - input) where target is -1."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    margin_term = _C.where(target != 1, (margin - input).clamp(min=0), 0.0)
    self_term = _C.where(target != -1, input, 0.0)
    return _reduce(margin_term + self_term, reduction)


@_autocast.float32
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target * input)), the two-class logistic loss for targets in {1, -1}."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    return _reduce((-input * target).exp().log1p(), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Per-class binary logistic loss of (N, C) input against 0/1 targets, averaged over the C classes."""
    reduction = _reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.shape[class_dim]
    return _reduce(loss, reduction)


def _check_multi_margin(input, target, weight):
    if not (input.dim() == 0 or input.dim() in (1, 2) and input.shape[-1] != 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    samples = input.shape[0] if input.dim() == 2 else 1
    classes = input.shape[-1] if input.dim() > 0 else 1
    if target.dim() > 1 or target.numel() != samples:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{samples}], but got {list(target.shape)}. "
                           f"Input has shape {list(input.shape)}.")
    if target.numel() and bool(((target < 0) | (target >= classes)).any()):  # one host read
        raise RuntimeError("target out of range")
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(f"inconsistent weight size, expected {classes} but got {list(weight.shape)}")
    return classes


@_autocast.float32
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """Multi-class hinge loss: sum over classes i != y of max(0, margin - x[y] + x[i])^p (times weight[y]),
    divided by the number of classes C; input is (N, C) or (C,), target holds class indices."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    classes = _check_multi_margin(input, target, weight)
    x = input.reshape(-1, classes)
    y = target.reshape(-1, 1)
    z = margin - x.gather(1, y) + x
    others = chainrule.arange(classes, device=y.device).reshape(1, classes) != y
    hinge = _C.where((z > 0) & others, z, 0.0)  # ATen's gradient is 0 where z == 0
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * weight[target.reshape(-1)].reshape(-1, 1)
    loss = hinge.sum(1) / classes
    if input.dim() < 2:
        loss = loss.reshape(target.shape)
    return _reduce(loss, reduction)


@_autocast.float32
def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge loss: for each target class j (the target's leading entries before a -1) and each
    non-target class i, max(0, 1 - (x[j] - x[i])), summed and divided by the number of classes C."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not (input.dim() == 0 or input.dim() in (1, 2) and input.shape[-1] != 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}")
    classes = input.shape[-1] if input.dim() else 1
    x = input.reshape(-1, classes)
    labels = target.reshape(-1, classes)
    if labels.numel() and bool(((labels < -1) | (labels >= classes)).any()):  # one host read
        raise RuntimeError("argument #2 'target' is out of range")
    # the targets are the entries before the first -1; is_target marks their classes
    listed = (labels != -1).long().cumprod(1) == 1
    safe = _C.where(listed, labels, 0)
    is_target = chainrule.zeros(x.shape, dtype=chainrule.int64, device=x.device).scatter_add(1, safe, listed.long()) > 0
    z = 1 - x.gather(1, safe).unsqueeze(2) + x.unsqueeze(1)  # (N, targets, classes)
    counted = listed.unsqueeze(2) & ~is_target.unsqueeze(1) & (z > 0)
    loss = _C.where(counted, z, 0.0).sum((1, 2)) / classes
    if input.dim() < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


@_autocast.float32
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """max(0, margin + d(anchor, positive) - d(anchor, negative)), d the pairwise p-distance; swap uses
    min(d(a, n), d(p, n)) as the negative distance."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    return _triplet_loss(anchor, positive, negative, lambda x, y: pairwise_distance(x, y, p, eps), margin, swap,
                         reduction)


def _triplet_loss(anchor, positive, negative, distance, margin, swap, reduction):
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if len(set(dims)) != 1:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D "
                           "inputs")
    dist_pos = distance(anchor, positive)
    dist_neg = distance(anchor, negative)
    if swap:
        dist_neg = _C.minimum(dist_neg, distance(positive, negative))
    return _reduce((margin + dist_pos - dist_neg).clamp(min=0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """triplet_margin_loss with any distance_function(x, y) (default: pairwise_distance)."""
    _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    return _triplet_loss(anchor, positive, negative, distance_function or pairwise_distance, margin, swap,
                         reduction)


@_autocast.float32
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """exp(input) - target * input (log_input), else input - target * log(input + eps); full adds
    Stirling's approximation of log(target!) where target > 1."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 (log(var) + (input - target)^2 / var) (+ 0.5 log(2 pi) if full); var is clamped to eps for the
    value only (its gradient passes through, as PyTorch). var may lack input's last dim, or have 1 in one
    dim (one variance shared along it)."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * chainrule.ones_like(input)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (input.dim() == var.dim()
                  and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with chainrule.no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
