"""PyTorch's complex-number API on chainrule's real tensors, so code written for both runs: conj,
conj_physical, resolve_conj, resolve_neg and real return the tensor itself (as PyTorch does for a
real tensor), is_conj/is_neg are False, isreal is all True, imag raises as in PyTorch, angle is 0 or
pi (NaN stays NaN); the conjugate transposes adjoint, Tensor.mH and Tensor.H are transposes.
"""
import math

from chainrule import _C
from chainrule._C import Tensor


def _itself(input):
    return input


conj = conj_physical = conj_physical_ = resolve_conj = resolve_neg = real = _itself


def is_conj(input):
    return False


def is_neg(input):
    return False


def imag(input):
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


def isreal(input):
    """True everywhere: chainrule has no complex dtypes."""
    return _C.ones(input.shape, dtype=_C.dtype.bool, device=input.device)


def angle(input):
    """The argument of each (real) element: pi for negative numbers, 0 otherwise, NaN for NaN; in a
    floating dtype. Its gradient is 0, so no graph is recorded."""
    x = input.detach()
    x = x if x.is_floating_point() else x.to(_C._get_default_dtype())
    return _C.where(x < 0, _C.full_like(x, math.pi), x * 0)


def adjoint(input):
    """The conjugate transpose of the last two dims (a view; the transpose for real tensors)."""
    if input.ndim < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of matrices. Got "
                           f"{input.ndim}-D tensor.")
    return input.transpose(-2, -1)


def _matrix_adjoint(self):
    if self.ndim < 2:
        raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. Got {self.ndim}-D "
                           f"tensor.")
    return self.transpose(-2, -1)


def _adjoint_of_matrix(self):
    if self.ndim != 2:
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor. For "
                           f"batches of matrices, consider using tensor.mH")
    return self.transpose(0, 1)


Tensor.conj = Tensor.conj_physical = Tensor.conj_physical_ = _itself
Tensor.resolve_conj = Tensor.resolve_neg = _itself
Tensor.is_conj, Tensor.is_neg = is_conj, is_neg
Tensor.isreal, Tensor.angle, Tensor.adjoint = isreal, angle, adjoint
Tensor.real = property(_itself)
Tensor.imag = property(imag)
Tensor.mH = property(_matrix_adjoint)
Tensor.H = property(_adjoint_of_matrix)
