"""scatter_reduce: src's elements combined into a copy of input at `index` along dim, by sum, mean,
amax, amin or prod, optionally without input's own value (include_self=False).

sum and mean are scatter_add (so differentiable as it is); mean divides by the number of values
combined (floor division for integers, as PyTorch). amax/amin/prod reduce on the host through
NumPy's ufunc.at (chainrule has no scatter-max kernel yet); amax/amin's gradient is PyTorch's: split
evenly among the values equal to the result, input's counted even when include_self=False. prod has
no gradient here.
"""
import numpy as np

from chainrule import _C
from chainrule._C import Tensor
from chainrule.autograd.function import Function
from chainrule._functions.dim_wrap import wrap_dim
from chainrule._functions.in_place import in_place
from chainrule._functions.host_values import host_values

_UFUNCS = {"amax": np.maximum, "amin": np.minimum, "prod": np.multiply}
_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _numpy_scatter(input, dim, index, src, reduce, include_self):
    """The reduction by a NumPy ufunc.at over index's positions (no autograd)."""
    out = host_values(input).copy()
    idx = index.cpu().numpy()
    values = host_values(src)[tuple(slice(0, n) for n in idx.shape)]
    coords = list(np.indices(idx.shape, sparse=True))
    coords[dim] = idx
    coords = tuple(np.broadcast_arrays(*coords))
    if not include_self:
        start = {"amax": -np.inf, "amin": np.inf, "prod": 1}[reduce]
        if out.dtype.kind in "iu" and reduce != "prod":
            start = np.iinfo(out.dtype).min if reduce == "amax" else np.iinfo(out.dtype).max
        out[coords] = start
    with np.errstate(invalid="ignore"):  # NaN propagates, as in PyTorch
        _UFUNCS[reduce].at(out, coords, values)
    return _C.from_numpy(np.require(out, requirements="C")).to(input.device, input.dtype)


class _ScatterExtreme(Function):
    """amax/amin with PyTorch's backward: the gradient of each result is shared equally among the
    values (input's own, when included, and src's) that equal it."""

    @staticmethod
    def forward(ctx, input, src, dim, index, reduce, include_self):
        result = _numpy_scatter(input, dim, index, src, reduce, include_self)
        ctx.save_for_backward(input, src, index, result)
        ctx.dim, ctx.include_self = dim, include_self
        return result

    @staticmethod
    def backward(ctx, grad):
        input, src, index, result = ctx.saved_tensors
        dim = ctx.dim
        used_src = src[tuple(slice(0, n) for n in index.shape)]
        src_is_result = (used_src == result.gather(dim, index)).to(grad.dtype)
        self_is_result = (input == result).to(grad.dtype)
        # input's value counts among the shares even when not included (PyTorch's formula), and then
        # gets no gradient where src was scattered
        shares = self_is_result.scatter_add(dim, index, src_is_result)
        per_value = grad / _C.where(shares == 0, _C.ones_like(shares), shares)
        grad_input = self_is_result * per_value
        if not ctx.include_self:
            grad_input = grad_input.scatter(dim, index, 0)
        grad_src = _C.zeros_like(src)
        grad_src[tuple(slice(0, n) for n in index.shape)] = src_is_result * per_value.gather(dim, index)
        return grad_input, grad_src, None, None, None, None


def _sum(input, dim, index, used, include_self):
    base = input if include_self else input.scatter(dim, index, 0)
    return base.scatter_add(dim, index, used.to(input.dtype))


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """A copy of input where, for each element of index, src's element is combined by `reduce` into
    input's element at that index along dim (input's value left out of the combination when
    include_self=False)."""
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # PyTorch also takes the older names
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if index.dtype not in (_C.dtype.int64, _C.dtype.int32):
        raise RuntimeError(f"scatter_reduce(): Expected dtype int32/int64 for index, got {index.dtype}")
    if input.dtype != src.dtype:
        raise RuntimeError(f"scatter_reduce(): Expected self.dtype to be equal to src.dtype, got {input.dtype} and "
                           f"{src.dtype}")
    if not (index.ndim == src.ndim == input.ndim):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    dim = wrap_dim(dim, input.ndim)
    used = src[tuple(slice(0, n) for n in index.shape)]
    if reduce == "sum":
        return _sum(input, dim, index, used, include_self)
    if reduce == "mean":
        total = _sum(input, dim, index, used, include_self)
        hits = _C.zeros_like(input).scatter_add(dim, index, _C.ones_like(used).to(input.dtype))
        count = hits + (1 if include_self else 0)
        count = _C.where(count == 0, _C.ones_like(count), count)
        return total // count if not input.is_floating_point() else total / count
    if reduce == "prod":
        if _C.is_grad_enabled() and (input.requires_grad or src.requires_grad):
            raise NotImplementedError("scatter_reduce: the gradient of reduce='prod' is not implemented in chainrule")
        return _numpy_scatter(input, dim, index, src, reduce, include_self)
    return _ScatterExtreme.apply(input, src, dim, index, reduce, include_self)


Tensor.scatter_reduce = scatter_reduce
Tensor.scatter_reduce_ = in_place(scatter_reduce)
