"""combinations (r-length subsequences of a 1-D tensor, as itertools) and vander (the Vandermonde
matrix of a 1-D tensor). combinations picks elements by an index tensor and vander takes a
cumulative product of the repeated input, so both pass gradients (cumprod is exact at zeros)."""
import itertools

from chainrule import _C
from chainrule._tensor import tensor


def combinations(input, r=2, with_replacement=False):
    """The r-element combinations of input's elements, one per row, in itertools' order."""
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input[:0]
    choose = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = list(choose(range(input.shape[0]), r))
    if not rows:
        return input[:0].reshape(0, 1).expand(0, r).clone()
    return input[tensor(rows, dtype=_C.dtype.int64, device=input.device)]


def vander(x, N=None, increasing=False):
    """Columns x**(N-1), ..., x**0 (x**0 first when increasing), N = len(x) by default."""
    if x.ndim != 1:
        raise RuntimeError(f"x must be a one-dimensional tensor, got shape {list(x.shape)}")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    if x.dtype == _C.dtype.bool:
        x = x.long()
    if n == 0:
        return _C.zeros(x.shape[0], 0, dtype=x.dtype, device=x.device)
    ones = _C.ones(x.shape[0], 1, dtype=x.dtype, device=x.device)
    powers = _C.cat([ones, x.unsqueeze(1).expand(x.shape[0], n - 1)], 1).cumprod(1)
    return powers if increasing else powers.flip(1)
