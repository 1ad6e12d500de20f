"""The trapezoidal rule along a dim: trapezoid (and its older name trapz) and cumulative_trapezoid,
with sample spacing given as a scalar dx or as sample points x (1-D along dim, or broadcasting with
y). Composed from narrow, mul, sum and cumsum, so gradients flow to y and to x.
"""


def _pair_sums(y, dim):
    """y[i] + y[i+1] along dim (length n - 1)."""
    length = y.shape[dim]
    return y.narrow(dim, 1, length - 1) + y.narrow(dim, 0, length - 1)


def _spacings(y, x, dim):
    """x[i+1] - x[i], shaped to multiply the pair sums of y."""
    if x.ndim == 1:
        if x.shape[0] != y.shape[dim]:
            raise RuntimeError(f"trapezoid: There must be one `x` value for each sample point (x has {x.shape[0]}, "
                               f"y has {y.shape[dim]} along dim {dim})")
        steps = x[1:] - x[:-1]
        shape = [1] * y.ndim
        shape[dim] = -1
        return steps.reshape(*shape)
    length = x.shape[dim]
    return x.narrow(dim, 1, length - 1) - x.narrow(dim, 0, length - 1)


def _check(op, y, x, dx, dim):
    if x is not None and dx is not None:
        raise TypeError(f"{op}() received an invalid combination of arguments: x and dx cannot both be given")
    if not -y.ndim <= dim < max(y.ndim, 1) or y.ndim == 0:
        raise IndexError(f"{op}: Dimension specified as {dim} but tensor has {y.ndim} dimensions")
    return dim % y.ndim


def _areas(op, y, x, dx, dim):
    """The trapezoids' areas along dim, and dim made non-negative."""
    dim = _check(op, y, x, dx, dim)
    if y.shape[dim] == 0:  # no trapezoids: an empty float tensor along dim
        return y / 2, dim
    pairs = _pair_sums(y, dim)
    widths = _spacings(y, x, dim) if x is not None else (1 if dx is None else dx)
    return pairs * widths / 2, dim


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The integral of y along dim by the trapezoidal rule: spacing dx (default 1) or sample points x."""
    areas, dim = _areas("trapezoid", y, x, dx, dim)
    return areas.sum(dim)


def trapz(y, x=None, *, dx=None, dim=-1):
    """trapezoid under its older name."""
    areas, dim = _areas("trapz", y, x, dx, dim)
    return areas.sum(dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoidal integral of y along dim (one fewer element than y there)."""
    areas, dim = _areas("cumulative_trapezoid", y, x, dx, dim)
    return areas.cumsum(dim)
