"""Dropout ops of chainrule.nn.functional: dropout, dropout1d/2d/3d, alpha_dropout, feature_alpha_dropout.

Signatures follow torch.nn.functional; masks come from chainrule's seeded generator (manual_seed
reproduces them) and the mask math lives in C++ (cpp/ops/dropout.cpp).
"""
import warnings

from chainrule import _C

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]


def _check_p(p, op):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p=0.5, training=True, inplace=False):
    """Zeroes each element with probability p and scales the others by 1 / (1 - p) (training only)."""
    _check_p(p, "dropout")
    return (_C._nn.dropout_ if inplace else _C._nn.dropout)(input, p, training)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps the mean and variance of SELU activations (training only)."""
    _check_p(p, "alpha_dropout")
    return (_C._nn.alpha_dropout_ if inplace else _C._nn.alpha_dropout)(input, p, training)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout of whole channels of an (N, C, *) input."""
    _check_p(p, "feature_alpha_dropout")
    return (_C._nn.feature_alpha_dropout_ if inplace else _C._nn.feature_alpha_dropout)(input, p, training)


def _feature_dropout(input, p, training, inplace, add_batch_dim):
    """Dropout of whole channels (dim 1), or of dim 0 when add_batch_dim (an input without a batch dim)."""
    fn = _C._nn.feature_dropout_ if inplace else _C._nn.feature_dropout
    if not add_batch_dim:
        return fn(input, p, training)
    if inplace:
        fn(input.unsqueeze(0), p, training)
        return input
    return fn(input.unsqueeze(0), p, training).squeeze(0)


def _warn_rank(input, op, ranks):
    """PyTorch's warning for dropout2d/3d on an input of another rank."""
    if input.dim() not in ranks:
        spatial = ranks[0] - 1
        warnings.warn(f"{op}: Received a {input.dim()}-D input to {op}, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use "
                      f"dropout instead. Note that {op} exists to provide channel-wise dropout on inputs with "
                      f"{spatial} spatial dimensions, a channel dimension, and an optional batch dimension (i.e. "
                      f"{ranks[0]}D or {ranks[1]}D inputs).", stacklevel=3)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of an (N, C, L) or (C, L) input with probability p."""
    _check_p(p, "dropout1d")
    if input.dim() not in (2, 3):
        raise RuntimeError(f"dropout1d: expected a 2D or 3D input, but received a {input.dim()}D input of shape "
                           f"{tuple(input.shape)}")
    return _feature_dropout(input, p, training, inplace, input.dim() == 2)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of an (N, C, H, W) input with probability p. As in PyTorch, a 3-D input
    is taken as (N, C, L) (1-D channel dropout), with a warning."""
    _check_p(p, "dropout2d")
    _warn_rank(input, "dropout2d", (3, 4))
    if input.dim() == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, False)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of an (N, C, D, H, W) or (C, D, H, W) input with probability p."""
    _check_p(p, "dropout3d")
    _warn_rank(input, "dropout3d", (4, 5))
    return _feature_dropout(input, p, training, inplace, input.dim() == 4)
