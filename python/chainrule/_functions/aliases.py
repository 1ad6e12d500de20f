"""PyTorch's other names for ops chainrule already has, and its constants.

NumPy-style aliases (multiply, greater, arccos, fix, ...) at the top level and on Tensor, with
their in-place forms; torch.<op>_(t) for in-place methods (torch.relu_(x) is x.relu_()); the
constants pi, e, inf, nan and newaxis; range (deprecated in PyTorch, still used). All are the
existing ops under another name, so dtypes, broadcasting and gradients are theirs.
"""
import math
import warnings

from chainrule import _C
from chainrule._C import Tensor

pi = math.pi
e = math.e
inf = math.inf
nan = math.nan
newaxis = None

# NumPy's names for arithmetic, comparison and inverse trigonometry.
multiply = _C.mul
divide = _C.div
subtract = _C.sub
negative = _C.neg
absolute = _C.abs
greater = _C.gt
greater_equal = _C.ge
less = _C.lt
less_equal = _C.le
not_equal = _C.ne
arccos = _C.acos
arcsin = _C.asin
arctan = _C.atan
arctan2 = _C.atan2
fix = _C.trunc

Tensor.multiply, Tensor.multiply_ = Tensor.mul, Tensor.mul_
Tensor.divide, Tensor.divide_ = Tensor.div, Tensor.div_
Tensor.true_divide_ = Tensor.div_
Tensor.subtract, Tensor.subtract_ = Tensor.sub, Tensor.sub_
Tensor.negative_ = Tensor.neg_
Tensor.absolute, Tensor.absolute_ = Tensor.abs, Tensor.abs_
Tensor.greater, Tensor.greater_ = Tensor.gt, Tensor.gt_
Tensor.greater_equal, Tensor.greater_equal_ = Tensor.ge, Tensor.ge_
Tensor.less, Tensor.less_ = Tensor.lt, Tensor.lt_
Tensor.less_equal, Tensor.less_equal_ = Tensor.le, Tensor.le_
Tensor.not_equal, Tensor.not_equal_ = Tensor.ne, Tensor.ne_
Tensor.arccos, Tensor.arccos_ = Tensor.acos, Tensor.acos_
Tensor.arcsin, Tensor.arcsin_ = Tensor.asin, Tensor.asin_
Tensor.arctan, Tensor.arctan_ = Tensor.atan, Tensor.atan_
Tensor.arctan2, Tensor.arctan2_ = Tensor.atan2, Tensor.atan2_
Tensor.fix, Tensor.fix_ = Tensor.trunc, Tensor.trunc_
Tensor.clip_ = Tensor.clamp_

# torch.<op>_(t, ...) is t.<op>_(...): the in-place forms PyTorch also offers as functions.
abs_ = Tensor.abs_
acos_, arccos_ = Tensor.acos_, Tensor.acos_
asin_, arcsin_ = Tensor.asin_, Tensor.asin_
atan_, arctan_ = Tensor.atan_, Tensor.atan_
neg_, negative_ = Tensor.neg_, Tensor.neg_
fix_ = Tensor.trunc_
trunc_ = Tensor.trunc_
ceil_ = Tensor.ceil_
floor_ = Tensor.floor_
round_ = Tensor.round_
exp_ = Tensor.exp_
expm1_ = Tensor.expm1_
log_ = Tensor.log_
log2_ = Tensor.log2_
log10_ = Tensor.log10_
log1p_ = Tensor.log1p_
sqrt_ = Tensor.sqrt_
rsqrt_ = Tensor.rsqrt_
square_ = Tensor.square_
reciprocal_ = Tensor.reciprocal_
sin_ = Tensor.sin_
cos_ = Tensor.cos_
tan_ = Tensor.tan_
sinh_ = Tensor.sinh_
cosh_ = Tensor.cosh_
tanh_ = Tensor.tanh_
sigmoid_ = Tensor.sigmoid_
relu_ = Tensor.relu_
erf_ = Tensor.erf_
clamp_ = clip_ = Tensor.clamp_
clamp_min_ = Tensor.clamp_min_
clamp_max_ = Tensor.clamp_max_
nan_to_num_ = Tensor.nan_to_num_
xlogy_ = Tensor.xlogy_
zero_ = Tensor.zero_
fill_ = Tensor.fill_
detach_ = Tensor.detach_
addmv_ = Tensor.addmv_
as_strided = Tensor.as_strided


def detach(input):
    """torch.detach(input) (by keyword too): input.detach()."""
    return input.detach()


def get_device(input):
    """torch.get_device(input) (by keyword too): input.get_device()."""
    return input.get_device()


def positive(input):
    """input itself (unary plus); a bool tensor is refused, as in PyTorch."""
    if input.dtype == _C.dtype.bool:
        raise RuntimeError("positive: the `+` operator, on a bool tensor is not supported.")
    return input


Tensor.positive = positive


def ravel(input):
    """input flattened to 1-D (a view when the layout allows, as reshape)."""
    return input.reshape(-1)


Tensor.ravel = ravel


def range(start, end, step=1, *, dtype=None, device=None, requires_grad=False):
    """[start, start + step, ..., end] with end included (deprecated in PyTorch in favour of arange,
    which excludes end; warns as PyTorch does). The default dtype is the default floating dtype."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior "
                  "is inconsistent with Python's range builtin. Instead, use torch.arange, which produces "
                  "values in [start, end).", UserWarning, stacklevel=2)
    if step == 0:
        raise RuntimeError("range: step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError(f"range: upper bound and lower bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    if dtype is None:
        dtype = _C._get_default_dtype()
    count = int(math.floor((end - start) / step)) + 1
    steps = _C.arange(count, dtype=_C.dtype.float64, device=device)
    out = (steps * step + start).to(dtype)
    return out.requires_grad_(requires_grad) if requires_grad else out
