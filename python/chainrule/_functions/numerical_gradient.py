"""torch.gradient: the derivative of sampled values along dims by finite differences, as NumPy's
gradient. Central differences inside (second order, also for unevenly spaced samples), one-sided
differences of first or second order (edge_order) at the ends. Spacing is a scalar for every dim, one
scalar per dim, or one 1-D tensor of sample coordinates per dim. Composed from narrow and arithmetic,
so gradients flow to the input and to the coordinates.
"""
import numbers

from chainrule._C import Tensor
from chainrule._functions.dim_wrap import wrap_dim


def _dims(input, dim):
    if dim is None:
        return list(range(input.ndim))
    dims = [wrap_dim(d, input.ndim) for d in ([dim] if isinstance(dim, int) else dim)]
    for d in dims:
        if dims.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return dims


def _spacings(spacing, dims, dim_given, ndim):
    """One spacing (a number or a 1-D coordinate tensor) per dim in dims."""
    if isinstance(spacing, numbers.Number) or (isinstance(spacing, Tensor) and spacing.ndim == 0):
        return [spacing] * len(dims)
    spacing = list(spacing)
    if len(spacing) != len(dims):
        if dim_given:
            raise RuntimeError("torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                               "arguments to have the same length, but got a spacing argument of length "
                               f"{len(spacing)} and a dim argument of length {len(dims)}.")
        raise RuntimeError("torch.gradient expected spacing to be unspecified, a scalar, or a list of length equal "
                           f"to 'self.dim() = {ndim}', since dim argument was not given, but got a list of length "
                           f"{len(spacing)}")
    return spacing


def _along(values, dim, ndim):
    """A 1-D tensor of coefficients shaped to broadcast along dim of an ndim-d tensor."""
    shape = [1] * ndim
    shape[dim] = -1
    return values.reshape(shape)


def _uniform(f, dim, h, edge_order):
    """f's derivative along dim for samples h apart."""
    n = f.shape[dim]
    at = f.narrow
    inside = (at(dim, 2, n - 2) - at(dim, 0, n - 2)) / (2 * h)
    if edge_order == 1:
        first = (at(dim, 1, 1) - at(dim, 0, 1)) / h
        last = (at(dim, n - 1, 1) - at(dim, n - 2, 1)) / h
    else:
        first = (-1.5 * at(dim, 0, 1) + 2 * at(dim, 1, 1) - 0.5 * at(dim, 2, 1)) / h
        last = (0.5 * at(dim, n - 3, 1) - 2 * at(dim, n - 2, 1) + 1.5 * at(dim, n - 1, 1)) / h
    return first, inside, last


def _three_points(f, dim, start, length, coefficients):
    """a f[i] + b f[i+1] + c f[i+2] for i in [start, start + length), coefficients (a, b, c) along dim."""
    a, b, c = (_along(k, dim, f.ndim) for k in coefficients)
    return a * f.narrow(dim, start, length) + b * f.narrow(dim, start + 1, length) + c * f.narrow(dim, start + 2, length)


def _coordinates(f, dim, x, edge_order):
    """f's derivative along dim for samples at coordinates x (1-D, one per sample)."""
    n = f.shape[dim]
    dx = x[1:] - x[:-1]
    dx1, dx2 = dx[:-1], dx[1:]
    inside = _three_points(f, dim, 0, n - 2, (-dx2 / (dx1 * (dx1 + dx2)), (dx2 - dx1) / (dx1 * dx2),
                                              dx1 / (dx2 * (dx1 + dx2))))
    if edge_order == 1:
        first = (f.narrow(dim, 1, 1) - f.narrow(dim, 0, 1)) / _along(dx[:1], dim, f.ndim)
        last = (f.narrow(dim, n - 1, 1) - f.narrow(dim, n - 2, 1)) / _along(dx[-1:], dim, f.ndim)
        return first, inside, last
    d1, d2 = dx[:1], dx[1:2]
    first = _three_points(f, dim, 0, 1, (-(2 * d1 + d2) / (d1 * (d1 + d2)), (d1 + d2) / (d1 * d2),
                                         -d1 / (d2 * (d1 + d2))))
    d1, d2 = dx[-2:-1], dx[-1:]
    last = _three_points(f, dim, n - 3, 1, (d2 / (d1 * (d1 + d2)), -(d2 + d1) / (d1 * d2),
                                            (2 * d2 + d1) / (d2 * (d1 + d2))))
    return first, inside, last


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """The tuple of input's derivatives along each of `dim` (every dim by default), as torch.gradient."""
    import chainrule
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims = _dims(input, dim)
    spacings = _spacings(spacing, dims, dim is not None, input.ndim)
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    f = input if input.is_floating_point() else input.to(chainrule.get_default_dtype())
    results = []
    for d, h in zip(dims, spacings):
        if isinstance(h, Tensor) and h.ndim == 1:
            pieces = _coordinates(f, d, h if h.is_floating_point() else h.to(f.dtype), edge_order)
        else:
            pieces = _uniform(f, d, h.item() if isinstance(h, Tensor) else h, edge_order)
        results.append(chainrule.cat(pieces, d))
    return tuple(results)
