"""Running reductions composed from bound ops: logcumsumexp, and the in-place Tensor.cumsum_ and
Tensor.cumprod_.

logcumsumexp folds logaddexp along the dim, one slice at a time, so it is exact at any range of
values (a shift by the maximum would underflow the early terms) and its gradient is logaddexp's.
"""
from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.elementwise_math import logaddexp


def logcumsumexp(input, dim):
    """log(cumsum(exp(input))) along dim, without overflow or underflow."""
    if not input.is_floating_point():
        raise NotImplementedError(f"logcumsumexp: not implemented for {input.dtype} tensors (floating point only)")
    nd = max(input.ndim, 1)
    if not -nd <= dim < nd:
        raise IndexError(f"logcumsumexp: dim {dim} out of range for a tensor of {input.ndim} dimensions")
    if input.ndim == 0 or input.shape[dim] <= 1:
        return input.clone()
    running = input.select(dim, 0)
    slices = [running]
    for i in range(1, input.shape[dim]):
        running = logaddexp(running, input.select(dim, i))
        slices.append(running)
    return _C.stack(slices, dim=dim)


def _cumsum_(self, dim, *, dtype=None):
    """In-place cumsum along dim."""
    return self.copy_(self.cumsum(dim, dtype=dtype))


def _cumprod_(self, dim, *, dtype=None):
    """In-place cumprod along dim."""
    return self.copy_(self.cumprod(dim, dtype=dtype))


Tensor.logcumsumexp = logcumsumexp
Tensor.cumsum_ = _cumsum_
Tensor.cumprod_ = _cumprod_
