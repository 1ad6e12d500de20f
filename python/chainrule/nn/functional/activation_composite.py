"""Activations composed from chainrule's recorded ops (where, tanh, mul, sub, ...).

prelu, tanhshrink, softshrink and hardshrink are a few elementwise ops each, so they are written
here in Python on top of ops that already have backward formulas: their first and second
derivatives come from the autograd engine. Signatures and the gradients at the kinks follow
torch.nn.functional (the branch taken at the kink is the one that gives PyTorch's gradient).
"""
from chainrule import _C

__all__ = ["prelu", "tanhshrink", "softshrink", "hardshrink"]


def _check_floating(input, op):
    if not input.is_floating_point():
        raise TypeError(f"{op}: expected a float32 or float64 tensor, got a tensor of shape "
                        f"{tuple(input.shape)} and dtype {input.dtype}")


def _prelu_weight_view(input, weight):
    """weight shaped to broadcast against input: one value for all, or one per channel (dim 1)."""
    if weight.dim() > 1:
        raise ValueError(f"prelu: expected weight to be a scalar or 1D tensor, but got a tensor of shape "
                         f"{tuple(weight.shape)}")
    channels = input.shape[1] if input.dim() >= 2 else 1
    if weight.numel() not in (1, channels):
        raise ValueError(f"prelu: weight has {weight.numel()} elements, expected 1 or {channels} (the channels, "
                         f"dim 1, of input of shape {tuple(input.shape)}; 1 below 2 dims)")
    if input.dtype != weight.dtype:
        raise RuntimeError(f"prelu: input dtype {input.dtype} and weight dtype {weight.dtype} differ")
    if weight.numel() == 1:
        return weight.reshape(())
    return weight.reshape((channels,) + (1,) * (input.dim() - 2))  # (C, 1, ..., 1)


def prelu(input, weight):
    """input where input > 0, else weight * input; weight has 1 element or one per channel (dim 1)."""
    _check_floating(input, "prelu")
    return _C.where(input > 0, input, _prelu_weight_view(input, weight) * input)


def tanhshrink(input):
    """input - tanh(input)."""
    _check_floating(input, "tanhshrink")
    return input - _C.tanh(input)


def softshrink(input, lambd=0.5):
    """input - lambd where input > lambd, input + lambd where input < -lambd, else 0."""
    _check_floating(input, "softshrink")
    if not lambd >= 0:
        raise ValueError(f"softshrink: lambd must be >= 0, but got {lambd}")
    return _C.where(input > lambd, input - lambd, _C.where(input < -lambd, input + lambd, 0.0))


def hardshrink(input, lambd=0.5):
    """input where |input| > lambd, else 0."""
    _check_floating(input, "hardshrink")
    return _C.where(input.abs() > lambd, input, 0.0)
