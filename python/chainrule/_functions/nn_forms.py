"""torch-level names of nn.functional ops (torch.conv2d, torch.dropout, torch.batch_norm, ...), with
the signatures of PyTorch's torch namespace where they differ from nn.functional's:

* dropout(input, p, train) and its alpha/feature variants take every argument, positionally;
* batch_norm and instance_norm take weight and bias before the running statistics;
* embedding takes the weight first, and padding_idx=-1 (any negative) means no padding index;
* losses take reduction as an int (0 none, 1 mean, 2 sum), as at::Reduction, and default to 0:
  the schemas say Reduction::Mean, but PyTorch's argument parser reads that default as 0, so
  torch.kl_div(x, y) returns the unreduced loss, and chainrule does what PyTorch does;
* max_pool*d return no indices (max_pool1d_with_indices does) and stride=() means the kernel size.

cudnn_enabled / cudnn_enable only choose a backend in PyTorch and never change results; chainrule
has one backend, so they are accepted and have no effect. Gradients are those of nn.functional.
"""
from chainrule import _C
from chainrule._C import Tensor
from chainrule.nn import functional as F

conv1d, conv2d, conv3d = F.conv1d, F.conv2d, F.conv3d
conv_transpose1d, conv_transpose2d, conv_transpose3d = F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d
avg_pool1d = F.avg_pool1d
adaptive_avg_pool1d = F.adaptive_avg_pool1d
pixel_shuffle, pixel_unshuffle, channel_shuffle = F.pixel_shuffle, F.pixel_unshuffle, F.channel_shuffle
cosine_similarity, pairwise_distance, pdist = F.cosine_similarity, F.pairwise_distance, F.pdist
bilinear, prelu, hardshrink, rms_norm = F.bilinear, F.prelu, F.hardshrink, F.rms_norm
Tensor.prelu = F.prelu
Tensor.hardshrink = F.hardshrink


def constant_pad_nd(input, pad, value=0):
    """input padded by `pad` (last dim first, as F.pad) with value."""
    return F.pad(input, pad, mode="constant", value=value)


def _dropout_form(name, kernel):
    """torch.<name>(input, p, train): p checked as PyTorch does, then the kernel."""

    def form(input, p, train):
        if p < 0 or p > 1:
            raise RuntimeError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")
        return kernel(input, p, train)

    form.__name__ = form.__qualname__ = name
    return form


# feature_* drop whole channels (dim 1) of an (N, C, *) input; the names ending in _ work in place.
dropout = _dropout_form("dropout", _C._nn.dropout)
dropout_ = _dropout_form("dropout_", _C._nn.dropout_)
alpha_dropout = _dropout_form("alpha_dropout", _C._nn.alpha_dropout)
alpha_dropout_ = _dropout_form("alpha_dropout_", _C._nn.alpha_dropout_)
feature_dropout = _dropout_form("feature_dropout", _C._nn.feature_dropout)
feature_dropout_ = _dropout_form("feature_dropout_", _C._nn.feature_dropout_)
feature_alpha_dropout = _dropout_form("feature_alpha_dropout", _C._nn.feature_alpha_dropout)
feature_alpha_dropout_ = _dropout_form("feature_alpha_dropout_", _C._nn.feature_alpha_dropout_)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True):
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True):
    return F.group_norm(input, num_groups, weight, bias, eps)


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled):
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn_enabled):
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """Rows of weight picked by indices; a non-negative padding_idx gets no gradient."""
    return F.embedding(indices, weight, padding_idx if padding_idx >= 0 else None,
                       scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def _stride(stride):
    return None if stride is None or (not isinstance(stride, int) and len(stride) == 0) else stride


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """max_pool1d and the flat positions (along the length) of each maximum."""
    return F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode, return_indices=True)


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return F.max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return F.max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def adaptive_max_pool1d(input, output_size):
    """The pooled values and the positions of the maxima, as a pair (PyTorch's torch-level form)."""
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


def celu(input, alpha=1.0):
    return F.celu(input, alpha)


def celu_(input, alpha=1.0):
    return F.celu(input, alpha, inplace=True)


def selu(input):
    return F.selu(input)


def selu_(input):
    return F.selu(input, inplace=True)


def threshold(input, threshold, value):
    return F.threshold(input, threshold, value)


def threshold_(input, threshold, value):
    return F.threshold(input, threshold, value, inplace=True)


def _no_generator(op, generator):
    if generator is not None:
        raise NotImplementedError(f"{op}: generator= is not supported by chainrule; seed the global generator "
                                  f"with chainrule.manual_seed instead")


def rrelu(input, lower=0.125, upper=1.0 / 3, training=False, generator=None):
    _no_generator("rrelu", generator)
    return F.rrelu(input, lower, upper, training)


def rrelu_(input, lower=0.125, upper=1.0 / 3, training=False, generator=None):
    _no_generator("rrelu_", generator)
    return F.rrelu(input, lower, upper, training, inplace=True)


_REDUCTIONS = ("none", "mean", "sum")


def _reduction(op, reduction):
    """at::Reduction's int (0 none, 1 mean, 2 sum) as nn.functional's string."""
    if not isinstance(reduction, int) or isinstance(reduction, bool):
        raise TypeError(f"{op}(): argument 'reduction' must be int, not {type(reduction).__name__}")
    if reduction not in (0, 1, 2):
        raise RuntimeError(f"{op}: reduction must be 0 (none), 1 (mean) or 2 (sum), got {reduction}")
    return _REDUCTIONS[reduction]


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    return F.binary_cross_entropy_with_logits(input, target, weight, pos_weight=pos_weight,
                                              reduction=_reduction("binary_cross_entropy_with_logits", reduction))


def kl_div(input, target, reduction=0, *, log_target=False):
    """The kernel itself: no warning for reduction=1 (mean), which only F.kl_div gives."""
    return _C._nn.kl_div(input, target, _reduction("kl_div", reduction), log_target)


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    return F.margin_ranking_loss(input1, input2, target, margin,
                                 reduction=_reduction("margin_ranking_loss", reduction))


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    return F.cosine_embedding_loss(input1, input2, target, margin,
                                   reduction=_reduction("cosine_embedding_loss", reduction))


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    return F.hinge_embedding_loss(input, target, margin, reduction=_reduction("hinge_embedding_loss", reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-06, swap=False, reduction=0):
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                 reduction=_reduction("triplet_margin_loss", reduction))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps,
                              reduction=_reduction("poisson_nll_loss", reduction))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0, zero_infinity=False):
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                      reduction=_reduction("ctc_loss", reduction), zero_infinity=zero_infinity)
