"""Sequence ops: cumprod, repeat_interleave and logspace.

cumprod runs forward as NumPy's sequential cumprod (the order PyTorch multiplies in) and backward
with PyTorch's formula in tensor ops, exact when the input holds zeros: along dim, with z the first
zero, positions before z get reversed_cumsum(grad * out) / x, position z gets
prod(x before z) * sum_{k >= z} grad_k * prod_{z < j <= k} x_j (a cumprod of x with the part up to z
set to 1), and later positions 0 (O(n)). That formula's own derivative is not cumprod's second
derivative where x holds zeros, so a backward that is itself recorded (create_graph) switches there
to PyTorch's O(n^2) form, grad_x[k] = sum_{m >= k} grad_m * prod_{j <= m, j != k} x_j.
"""
import numpy as np

from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.host_values import host_values
from chainrule.autograd.function import Function


def _reversed_cumsum(t, dim):
    return _C.flip(_C.flip(t, [dim]).cumsum(dim), [dim])


class _CumProd(Function):
    @staticmethod
    def forward(ctx, x, dim):
        out = np.cumprod(host_values(x), axis=dim)
        out = _C.from_numpy(np.ascontiguousarray(out)).to(x.device, x.dtype)
        ctx.dim = dim
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        dim = ctx.dim
        if _C.is_grad_enabled():  # create_graph: the output's dependence on x must be in the graph
            if bool((x == 0).any().item()):
                return _backward_by_parts(x, grad, dim), None
            out = _CumProd.apply(x, dim)
        zeros_so_far = (x == 0).long().cumsum(dim)
        before = zeros_so_far == 0  # positions before the first zero
        first_zero = (zeros_so_far == 1) & (x == 0)
        grad_before = _reversed_cumsum(out * grad, dim) / _C.where(before, x, 1)
        prefix = _C.where(before, x, 1).prod(dim, keepdim=True)  # product of x before the first zero
        after_zero = _CumProd.apply(_C.where(before | first_zero, 1, x), dim)
        grad_zero = prefix * _C.where(before, 0, grad * after_zero).sum(dim, keepdim=True)
        return _C.where(before, grad_before, _C.where(first_zero, grad_zero, 0)), None


def _backward_by_parts(x, grad, dim):
    """grad_x[k] = sum_{m >= k} grad_m * prod_{j <= m, j != k} x_j, one k at a time (differentiable)."""
    n = x.shape[dim]
    parts = []
    for k in range(n):
        before = x.narrow(dim, 0, k).prod(dim, keepdim=True)  # 1 for k = 0
        after = _CumProd.apply(x.narrow(dim, k + 1, n - k - 1), dim)
        omitted = _C.cat([before, before * after], dim)  # prod_{j <= m, j != k} x_j for m = k, ..., n - 1
        parts.append((grad.narrow(dim, k, n - k) * omitted).sum(dim, keepdim=True))
    return _C.cat(parts, dim)


def cumprod(input, dim, *, dtype=None):
    """Cumulative product along dim: out[i] = input[0] * ... * input[i]."""
    dim = _C._dim_arg(dim, "cumprod")
    if dtype is not None:
        input = input.to(dtype)
    elif not input.is_floating_point():  # bool and every integer type multiply in int64, as in PyTorch
        input = input.long()
    nd = max(input.ndim, 1)
    if not -nd <= dim < nd:
        raise IndexError(f"cumprod: dim {dim} out of range for a tensor of shape {list(input.shape)}")
    if input.ndim == 0:
        return input.clone()
    return _CumProd.apply(input, dim % input.ndim)


_REPEAT_DTYPES = (_C.dtype.int64, _C.dtype.int32)  # as PyTorch takes repeats


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeats each element (or slice along dim) `repeats` times; repeats is an int or a 1-D tensor with
    one count per element. repeat_interleave(counts) alone gives the indices 0,0,..,1,1,.. of the counts."""
    if repeats is None:
        counts = input
        if counts.ndim != 1 or counts.dtype not in _REPEAT_DTYPES:
            raise RuntimeError(f"repeat_interleave: repeats must be a 1-D int64 or int32 tensor, got {counts.dtype} of "
                               f"shape {list(counts.shape)}")
        return repeat_interleave(_C.arange(counts.shape[0], device=counts.device), counts, 0)
    if dim is None:
        input, dim = input.reshape(-1), 0
    size = input.shape[dim]
    if isinstance(repeats, Tensor):
        if repeats.ndim > 1 or repeats.dtype not in _REPEAT_DTYPES:
            raise RuntimeError(f"repeat_interleave: repeats must be an int or a 0-D/1-D int64 or int32 tensor, got "
                               f"{repeats.dtype} of shape {list(repeats.shape)}")
        counts = repeats.detach().cpu().numpy().reshape(-1)
    else:
        counts = np.array([int(repeats)])
    if counts.size == 1:
        counts = np.repeat(counts, size)
    if counts.size != size:
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along dim {dim}, "
                           f"got {counts.size} repeats for size {size}")
    if (counts < 0).any():
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    index = np.repeat(np.arange(size, dtype=np.int64), counts)
    if output_size is not None and output_size != index.size:
        raise RuntimeError(f"repeat_interleave: output_size {output_size} does not match the {index.size} "
                           "repeated elements")
    return input.index_select(dim, _C.from_numpy(index).to(input.device))


def _exponent_in_int64(value, name):
    """start/end of an int64 logspace, truncated to int64 first as PyTorch does (logspace(0.5, 2.5,
    3, dtype=int64) is [1, 10, 100]); NaN, inf or a value outside int64 is a RuntimeError."""
    as_float = float(value)
    if not -(2.0**63) <= as_float < 2.0**63:  # NaN fails this too
        raise RuntimeError(f"logspace: {name}={value} cannot be converted to type int64 without overflow")
    return int(value) if isinstance(value, int) else int(as_float)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """steps values base**start, ..., base**end, evenly spaced in the exponent."""
    from chainrule._functions.dtypes import get_default_dtype
    integral = dtype is not None and not dtype.is_floating_point and dtype != _C.dtype.bool
    if integral and steps == 1:  # as PyTorch: base**start written as a checked number (an overflow raises)
        try:
            value = float(base) ** float(start)
        except OverflowError:  # past float64: inf, which the checked write refuses
            value = float("inf")
        out = _C.full((1,), value, dtype=dtype, device=device)
        return out.requires_grad_(requires_grad) if requires_grad else out
    if integral and steps > 1:  # as PyTorch: the exponents truncate to int64 first
        start, end = _exponent_in_int64(start, "start"), _exponent_in_int64(end, "end")
    exponents = _C.linspace(float(start), float(end), steps, dtype=_C.dtype.float64, device=device)
    out = (float(base) ** exponents).to(dtype or get_default_dtype())
    return out.requires_grad_(requires_grad) if requires_grad else out


Tensor.cumprod = cumprod
Tensor.repeat_interleave = repeat_interleave
