"""cov and corrcoef of the rows of a matrix (variables) over its columns (observations), with
PyTorch's frequency and analytic weights and Bessel correction; composed from mean, matmul and
sqrt, so gradients flow. A non-positive number of degrees of freedom warns and divides by 0."""
import warnings

from chainrule import _C
from chainrule._C import Tensor


def _observations(input, op):
    if input.ndim > 2:
        raise RuntimeError(f"{op}(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    return x if x.is_floating_point() else x.to(_C._get_default_dtype())


def _check_weights(name, weights, observations, integral):
    if weights.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                           f"{weights.ndim} dimensions")
    if weights.numel() != observations:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the input "
                           f"but got {weights.numel()} != {observations}")
    if integral and weights.is_floating_point():
        raise RuntimeError(f"cov(): expected {name} to have integral dtype but got {name} with "
                           f"{'Float' if weights.dtype == _C.dtype.float32 else 'Double'} dtype")
    if not integral and not weights.is_floating_point():
        raise RuntimeError(f"cov(): expected {name} to have floating point dtype but got {name} with "
                           f"{weights.dtype} dtype")
    if bool((weights < 0).any()):
        raise RuntimeError(f"cov(): {name} cannot be negative")


def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of input's rows (a 0-d tensor for a single variable, as in PyTorch)."""
    x = _observations(input, "cov")
    observations = x.shape[1]
    weights = None
    if fweights is not None:
        _check_weights("fweights", fweights, observations, True)
        weights = fweights.to(x.dtype)
    if aweights is not None:
        _check_weights("aweights", aweights, observations, False)
        weights = aweights if weights is None else weights * aweights
    if weights is None:
        mean = x.mean(1, keepdim=True)
        dof = observations - correction
    else:
        total = weights.sum()
        mean = (x * weights).sum(1, keepdim=True) / total
        dof = total - correction if aweights is None else total - correction * (weights * aweights).sum() / total
    if float(dof) <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        dof = dof * 0 if isinstance(dof, Tensor) else 0
    centered = x - mean
    weighted = centered if weights is None else centered * weights
    result = _C.matmul(weighted, centered.t()) / dof
    return result.reshape(()) if x.shape[0] == 1 else result


def corrcoef(input):
    """Pearson correlation coefficients of input's rows, clipped to [-1, 1]."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    stddev = c.diagonal().sqrt()
    c = c / stddev.reshape(-1, 1) / stddev.reshape(1, -1)
    return c.clamp(-1, 1)


Tensor.cov = cov
Tensor.corrcoef = corrcoef
