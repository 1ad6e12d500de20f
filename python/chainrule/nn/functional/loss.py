"""Loss functions, named and ordered as in torch.nn.functional (legacy size_average/reduce included).

The wrappers only resolve the legacy arguments and emit PyTorch's warnings; the math, the shape
checks and the backward are in the C++ core (chainrule._C._nn, cpp/ops/loss.cpp and loss_nll.cpp).
"""
import warnings

from chainrule import _C

__all__ = [
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "one_hot", "cosine_similarity", "cosine_embedding_loss",
    "margin_ranking_loss",
]

_nn = _C._nn


def _legacy_reduction(size_average, reduce):
    """The reduction named by the deprecated size_average/reduce pair, with PyTorch's warning."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else ("sum" if reduce else "none")
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.")
    return reduction


def _reduction(size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    return reduction


def _warn_if_broadcasting(input, target):
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=3,
        )


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error (input - target)^2, optionally weighted elementwise."""
    _warn_if_broadcasting(input, target)
    return _nn.mse_loss(input, target, _reduction(size_average, reduce, reduction), weight)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error |input - target|, optionally weighted elementwise."""
    _warn_if_broadcasting(input, target)
    return _nn.l1_loss(input, target, _reduction(size_average, reduce, reduction), weight)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 z^2 / beta where |z| < beta, else |z| - 0.5 beta, with z = input - target."""
    _warn_if_broadcasting(input, target)
    return _nn.smooth_l1_loss(input, target, _reduction(size_average, reduce, reduction), beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 z^2 where |z| < delta, else delta (|z| - 0.5 delta), with z = input - target."""
    _warn_if_broadcasting(input, target)
    return _nn.huber_loss(input, target, reduction, delta, weight)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of class-index targets given log-probabilities (N, C, ...)."""
    return _nn.nll_loss(input, target, weight, _reduction(size_average, reduce, reduction), ignore_index)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """log_softmax over the class dim + nll_loss; target holds class indices (int64) or probabilities."""
    if ignore_index >= 0 and target.is_floating_point():  # PyTorch lets a negative one through
        raise RuntimeError("cross_entropy: ignore_index is not supported for floating point target (class "
                           f"probabilities), got ignore_index={ignore_index}")
    return _nn.cross_entropy(input, target, weight, _reduction(size_average, reduce, reduction), ignore_index,
                             label_smoothing)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(target log(input) + (1 - target) log(1 - input)), logs clamped at -100."""
    # NaN fails too, as in PyTorch; on a GPU not checked here (PyTorch's kernel asserts on the device
    # instead of waiting for the GPU)
    if target.device.type == "cpu" and not bool(((target >= 0) & (target <= 1)).all()):
        raise _C.InvalidArgumentError(f"binary_cross_entropy: every element of target must be in [0, 1], got a "
                                      f"target of shape {tuple(target.shape)} outside it")
    return _nn.binary_cross_entropy(input, target, weight, _reduction(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """binary_cross_entropy(sigmoid(input), target) in a numerically stable form."""
    return _nn.binary_cross_entropy_with_logits(input, target, weight, pos_weight,
                                                _reduction(size_average, reduce, reduction))


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL divergence of target from input (input holds log-probabilities); 'batchmean' is the true KL."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    return _nn.kl_div(input, target, reduction, log_target)


def one_hot(tensor, num_classes=-1):
    """(..., num_classes) int64 tensor with a 1 at each class index of tensor."""
    return _nn.one_hot(tensor, num_classes)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine of the angle between x1 and x2 along dim (norms clamped to eps)."""
    return _nn.cosine_similarity(x1, x2, dim, eps)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """1 - cos(input1, input2) for target 1, max(0, cos - margin) for target -1."""
    return _nn.cosine_embedding_loss(input1, input2, target, margin, _reduction(size_average, reduce, reduction))


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """max(0, -target * (input1 - input2) + margin)."""
    return _nn.margin_ranking_loss(input1, input2, target, margin, _reduction(size_average, reduce, reduction))
