"""Matrix products composed from mm/bmm/outer: addr, ger, addbmm, chain_matmul and matrix_power
(by repeated squaring; a negative n powers the inverse), with their Tensor methods and in-place forms. beta=0 ignores input,
NaN included, as in PyTorch (fused_arith's _scaled_sum).
"""
import warnings

from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.fused_arith import _scaled_sum
from chainrule._functions.in_place import in_place
from chainrule._functions.linalg_solvers import inv
from chainrule.amp import cast_policy as _autocast


def _require_ndim(op, name, t, ndim):
    if t.ndim != ndim:
        raise RuntimeError(f"{op}: expected {name} to be a {ndim}-D tensor, but got a {t.ndim}-D tensor of shape "
                           f"{list(t.shape)}")


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """beta * input + alpha * outer(vec1, vec2)."""
    _require_ndim("addr", "vec1", vec1, 1)
    _require_ndim("addr", "vec2", vec2, 1)
    return _scaled_sum(input, _C.outer(vec1, vec2), beta, alpha, "addr")


def ger(input, vec2):
    """outer(input, vec2) under its older name."""
    return _C.outer(input, vec2)


@_autocast.lower_precision
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * sum_b batch1[b] @ batch2[b] (one matrix product of the batches laid side by side)."""
    _require_ndim("addbmm", "batch1", batch1, 3)
    _require_ndim("addbmm", "batch2", batch2, 3)
    if batch1.shape[0] != batch2.shape[0] or batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(f"addbmm: batch1 {list(batch1.shape)} and batch2 {list(batch2.shape)} cannot be multiplied")
    b, n, k = batch1.shape
    m = batch2.shape[2]
    # (n, b*k) @ (b*k, m) sums the b products
    product = _C.mm(batch1.permute(1, 0, 2).reshape(n, b * k), batch2.reshape(b * k, m))
    return _scaled_sum(input, product, beta, alpha, "addbmm")


def chain_matmul(*matrices):
    """The product of 2-D matrices, left to right (deprecated in PyTorch for linalg.multi_dot)."""
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                  "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than "
                  "multiple parameters.", UserWarning, stacklevel=2)
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for t in matrices:
        if t.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {t.ndim}, expected 2 instead.")
    result = matrices[0]
    for t in matrices[1:]:
        result = _C.mm(result, t)
    return result if len(matrices) > 1 else result.clone()


def matrix_power(input, n):
    """input @ input @ ... (n times) for square (batches of) matrices; n = 0 gives identities and a
    negative n the power -n of the inverse."""
    if input.ndim < 2 or input.shape[-1] != input.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{input.shape[-2] if input.ndim >= 2 else 1} by {input.shape[-1] if input.ndim else 1} "
                           f"matrices")
    if n < 0:
        return matrix_power(inv(input), -n)
    if n == 0:
        eye = _C.eye(input.shape[-1], dtype=input.dtype, device=input.device)
        return eye.expand(*input.shape).clone()
    result, square = None, input
    while n:
        if n & 1:
            result = square if result is None else _C.matmul(result, square)
        n >>= 1
        if n:
            square = _C.matmul(square, square)
    return result if result is not input else input.clone()


Tensor.addr, Tensor.addr_ = addr, in_place(addr)
Tensor.addbmm, Tensor.addbmm_ = addbmm, in_place(addbmm)
Tensor.ger = ger
Tensor.matrix_power = matrix_power
