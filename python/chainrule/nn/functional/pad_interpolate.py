"""Padding and resampling, as in torch.nn.functional: pad, interpolate and its upsample aliases.

pad: 'constant' over any number of trailing dims (negative pads crop); 'reflect', 'replicate' and
'circular' over the last dim (2-d/3-d inputs), the last two (3-d/4-d inputs) or the last three
(4-d/5-d inputs; composed in Python as one index_select per dim, whose backward sums into the
sources). interpolate: 'nearest' (3-d/4-d inputs), 'linear' (3-d) and 'bilinear' (4-d) run C++
kernels (chainrule._C._nn); 'bicubic' and 'lanczos' (4-d), 'trilinear' (5-d), 'area',
'nearest-exact', 5-d 'nearest' and antialias are weight matrices per dim (resample.py). All follow PyTorch's
source-coordinate rules.
"""
import math
import warnings

import numpy as np

from chainrule import _C
from chainrule.amp import cast_policy as _autocast
from chainrule.nn.functional._host_tables import table_like
from chainrule.nn.functional._suggested_layout import laid_out_like
from chainrule.nn.functional.resample import resample

__all__ = ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_PAD_MODES = ("constant", "reflect", "replicate", "circular")
# (entries in pad, input dims) that the non-constant modes support, as in PyTorch.
_NON_CONSTANT_SUPPORT = {2: (2, 3), 4: (3, 4), 6: (4, 5)}


def pad(input, pad, mode="constant", value=None):
    """Pads `input` by `pad` = (left, right[, top, bottom, ...]) from the last dim backwards."""
    pads = list(pad)
    if not all(isinstance(p, int) and not isinstance(p, bool) for p in pads):
        raise TypeError(f"pad: pad must be a sequence of ints, got {pad!r}")
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"pad: unrecognised padding mode {mode!r} (expected one of {', '.join(_PAD_MODES)})")
    if mode != "constant" and value is None and len(pads) % 2 == 0 \
            and input.dim() not in _NON_CONSTANT_SUPPORT.get(len(pads), ()):
        raise NotImplementedError(
            f"pad: {mode} padding of {len(pads)} entries is not supported for a {input.dim()}-d input "
            "(2 entries pad 2-d or 3-d inputs, 4 entries 3-d or 4-d inputs, 6 entries 4-d or 5-d inputs)")
    if mode == "replicate" and len(pads) == 6:
        return _replicate_3d(input, pads)
    if mode != "constant" and len(pads) == 6:
        return _pad_by_index(input, pads, mode)
    return _C._nn.pad(input, pads, mode, value)


def _source_positions(size, left, right, mode, dim, shape):
    """For each position of the padded dim, the input position it copies (reflect/replicate/circular)."""
    if mode == "reflect" and (left >= size or right >= size):
        raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, but "
                           f"got: padding ({left}, {right}) at dimension {dim} of input {list(shape)}")
    if mode == "circular" and (left > size or right > size):
        raise RuntimeError("Padding value causes wrapping around more than once.")
    positions = np.arange(-left, size + right)
    if mode == "replicate":
        return np.clip(positions, 0, size - 1)
    if mode == "circular":  # as PyTorch: negative pads crop first, the rest wraps around what is left
        start, kept = max(0, -left), size - max(0, -left) - max(0, -right)
        return start + np.arange(-max(left, 0), kept + max(right, 0)) % kept
    period = 2 * (size - 1)
    folded = np.abs(positions) % period if period else np.zeros_like(positions)
    return np.where(folded >= size, period - folded, folded)


@_autocast.float32  # the 3-d padding: PyTorch's autocast lists replication_pad3d only
def _replicate_3d(input, pads):
    return _pad_by_index(input, pads, "replicate")


def _pad_by_index(input, pads, mode):
    """3-d reflect/replicate/circular padding: each padded dim gathers its source positions."""
    out = input
    for i in range(len(pads) // 2):
        dim = input.dim() - 1 - i
        positions = _source_positions(input.shape[dim], pads[2 * i], pads[2 * i + 1], mode, dim, input.shape)
        out = out.index_select(dim, table_like(positions.astype(np.int64), input))
    return out


_MODES = {"nearest": (1, 2, 3), "linear": (1,), "bilinear": (2,), "bicubic": (2,), "trilinear": (3,),
          "lanczos": (2,), "area": (1, 2, 3), "nearest-exact": (1, 2, 3)}
_INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear", "lanczos")
_NEEDS = {"linear": "3D", "bilinear": "4D", "bicubic": "4D", "trilinear": "5D", "lanczos": "4D"}


def _spatial_list(value, n, name):
    items = list(value) if isinstance(value, (list, tuple)) else [value] * n
    if len(items) != n:
        raise ValueError(f"interpolate: input and output must have the same number of spatial dimensions, but "
                         f"got input with {n} spatial dimensions and {name} {value!r}")
    return items


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resamples (N, C, L) or (N, C, H, W) input to `size`, or by `scale_factor`.

    With scale_factor (and recompute_scale_factor not True) the output size is
    floor(in * scale_factor) and the source coordinates use 1 / scale_factor, as in PyTorch.
    uint8 images resize in the nearest modes (a selection of pixels, exact through float32).
    A channels-last input (by its strides) gives a channels-last output, any other a contiguous one, as PyTorch's.
    """
    return laid_out_like(input, _resized(input, size, scale_factor, mode, align_corners, recompute_scale_factor,
                                         antialias))


def _resized(input, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias):
    """interpolate's result in the default layout."""
    if input.dtype == _C.dtype.uint8 and mode in ("nearest", "nearest-exact"):
        return _resized(input.float(), size, scale_factor, mode, align_corners, recompute_scale_factor,
                        antialias).to(_C.dtype.uint8)
    n = input.dim() - 2
    if mode not in _MODES or n not in (1, 2, 3):
        raise NotImplementedError(
            f"interpolate: got a {input.dim()}-d input and mode {mode!r}; chainrule supports 3-d to 5-d inputs "
            "with modes nearest | nearest-exact | area | linear (3-d) | bilinear | bicubic | lanczos (4-d) | "
            "trilinear (5-d)")
    if n not in _MODES[mode]:
        raise NotImplementedError(f"interpolate: got {input.dim()}D input, but {mode} mode needs {_NEEDS[mode]} input")
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
                         "tensor as input")
    if mode not in _INTERPOLATING:
        if align_corners is not None:
            raise ValueError("interpolate: align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if mode == "lanczos":
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    if size is not None and scale_factor is not None:
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("interpolate: either size or scale_factor should be defined")
    scales = None
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("interpolate: recompute_scale_factor is not meaningful with an explicit size.")
        output_size = [int(s) for s in _spatial_list(size, n, "output size")]
    else:
        scales = [float(s) for s in _spatial_list(scale_factor, n, "scale_factor")]
        output_size = [math.floor(float(input.shape[i + 2]) * s) for i, s in enumerate(scales)]
        if recompute_scale_factor:
            scales = None
    if n == 3 or antialias or mode not in ("nearest", "linear", "bilinear"):
        return resample(input, output_size, mode, align_corners, scales, antialias)
    if mode == "nearest":
        return _C._nn.upsample_nearest(input, output_size, scales)
    return _C._nn.upsample_linear(input, output_size, align_corners, scales)


def _warn_deprecated(name):
    warnings.warn(f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=3)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Alias of interpolate, with PyTorch's deprecation warning."""
    _warn_deprecated("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """interpolate(..., mode='nearest'), with PyTorch's deprecation warning."""
    _warn_deprecated("upsample_nearest")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """interpolate(..., mode='bilinear', align_corners=True), with PyTorch's deprecation warning."""
    _warn_deprecated("upsample_bilinear")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
