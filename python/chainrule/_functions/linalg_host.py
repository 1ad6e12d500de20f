"""What the host-computed linear algebra (linalg_solvers.py, linalg_factorizations.py) shares: the
LinAlgError type, PyTorch's argument checks and messages, the trip of a tensor to NumPy and back to
its device, per-matrix LAPACK factorizations that report which matrix of a batch failed, and the
named tuples the functions return.

Values are computed on the host with NumPy/SciPy (LAPACK), batched over the leading dims; a GPU
tensor goes to the host and its results come back to its device.
"""
import numpy as np

from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.dtypes import scalar_type_name  # noqa: F401  (linalg modules import it from here)
from chainrule.return_types import _values_indices


def scipy_linalg():
    """SciPy's linalg (LAPACK's routines), imported at the first linear-algebra call: chainrule's
    linear algebra computes on the host through it, an optional extra (`pip install scipy`, or
    chainrule's "linalg" extra), so that importing chainrule never needs SciPy."""
    try:
        import scipy.linalg
    except ImportError as error:
        raise ImportError("chainrule's linear algebra (torch.linalg and its torch-level names) computes on the "
                          "host with SciPy's LAPACK: pip install scipy (or \"chainrule[linalg]\")") from error
    return scipy.linalg


class LinAlgError(RuntimeError):
    """A singular or non-positive-definite matrix, as torch.linalg.LinAlgError (a RuntimeError)."""


LinAlgError.__module__ = "chainrule.linalg"

def check_matrix(op, A, name="A", square=False):
    """PyTorch's checks of a (batch of) float32/float64 matrices: its RuntimeErrors, as InvalidArgumentError
    for a shape and DTypeError for a dtype (both RuntimeErrors)."""
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(A).__name__}")
    if A.ndim < 2:
        raise _C.InvalidArgumentError(f"{op}: The input tensor {name} must have at least 2 dimensions.")
    if not A.is_floating_point():
        raise _C.DTypeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                            f"{scalar_type_name(A.dtype)}")
    if A.dtype not in (_C.dtype.float32, _C.dtype.float64):
        raise _C.DTypeError(f"{op}: Low precision dtypes not supported. Got {scalar_type_name(A.dtype)}")
    if square and A.shape[-1] != A.shape[-2]:
        raise _C.InvalidArgumentError(f"{op}: {name} must be batches of square matrices, but they are "
                                      f"{A.shape[-2]} by {A.shape[-1]} matrices")


def check_same_dtype(op, A, B):
    if A.dtype != B.dtype:
        raise _C.DTypeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                            f"{scalar_type_name(A.dtype)} and B of type {scalar_type_name(B.dtype)} instead.")


def check_solve_shapes(op, A, B, left):
    """PyTorch's RuntimeError, as an InvalidArgumentError (also the ValueError NumPy raised here before),
    for matrices B whose rows (left: A X = B) or columns (X A = B) do not match A, or whose batch dims do
    not broadcast with A's."""
    fits = B.shape[-2] == A.shape[-1] if left else B.shape[-1] == A.shape[-2]
    if not fits:
        raise _C.InvalidArgumentError(f"{op}: Incompatible shapes of A and B for the equation "
                                      f"{'AX = B' if left else 'XA = B'} ({A.shape[-2]}x{A.shape[-1]} and "
                                      f"{B.shape[-2]}x{B.shape[-1]})")
    try:
        np.broadcast_shapes(tuple(A.shape[:-2]), tuple(B.shape[:-2]))
    except ValueError:
        raise _C.InvalidArgumentError(f"{op}: the batch dims of A {tuple(A.shape)} and B {tuple(B.shape)} do not "
                                      "broadcast") from None


def host(t):
    """t's values as a NumPy array (a copy from the GPU when t lives there)."""
    return t.detach().cpu().numpy()


def device_tensor(array, like, dtype=None):
    """A NumPy result as a tensor on `like`'s device, in `dtype` (like's dtype by default)."""
    out = _C.from_numpy(np.require(array, requirements="C")).to(dtype or like.dtype)
    return out.to(like.device)


def int_tensor(array, like, dtype=_C.dtype.int32):
    """LAPACK infos or pivots as a tensor on like's device (int32, as PyTorch's)."""
    return _C.from_numpy(np.require(array, np.int64, "C")).to(dtype).to(like.device)


def raise_failures(op, infos, message, error=LinAlgError):
    """Raises `error` for the first matrix whose LAPACK info is positive; message(info) says why."""
    infos = np.asarray(infos)
    bad = np.flatnonzero(infos.reshape(-1) > 0)
    if bad.size:
        first = bad[0]
        prefix = f"(Batch element {first}): " if infos.ndim > 0 else ""
        raise error(f"{op}: {prefix}{message(int(infos.reshape(-1)[first]))}")


def per_matrix(a, routine, *outputs_like):
    """Runs routine(matrix) -> (*arrays, info) on each matrix of a (.., n, n); returns the stacked
    arrays and the infos (batch shape)."""
    batch = a.shape[:-2]
    flat = a.reshape((int(np.prod(batch)),) + a.shape[-2:])
    results = [routine(m) for m in flat] if a.shape[-1] and a.shape[-2] else []
    arrays = [np.stack([r[k] for r in results]).reshape(batch + results[0][k].shape) if results else
              np.zeros(batch + like, a.dtype) for k, like in enumerate(outputs_like)]
    infos = np.array([r[-1] for r in results], dtype=np.int64).reshape(batch) if results else np.zeros(batch, np.int64)
    return arrays, infos


def lu_factor_host(a):
    """(LU, 1-based pivots, infos) of each matrix of a, by LAPACK's getrf."""
    getrf, = scipy_linalg().lapack.get_lapack_funcs(("getrf",), (a,))
    m, n = a.shape[-2:]
    (lu, piv), infos = per_matrix(a, lambda m_: getrf(m_), (m, n), (min(m, n),))
    return lu, piv + 1, infos


def cholesky_host(a, upper=False):
    """(factor, infos): each matrix's Cholesky factor by LAPACK's potrf (lower unless upper)."""
    potrf, = scipy_linalg().lapack.get_lapack_funcs(("potrf",), (a,))
    n = a.shape[-1]
    (factor,), infos = per_matrix(a, lambda m: potrf(m, lower=not upper, clean=True), (n, n))
    return factor, infos


def singular_message(index):
    return (f"The diagonal element {index} is zero, the inversion could not be completed because the input "
            f"matrix is singular.")


def not_positive_definite_message(order):
    return (f"The factorization could not be completed because the input is not positive-definite (the leading "
            f"minor of order {order} is not positive-definite).")


def return_type(name, fields):
    """A named tuple like torch.return_types.<name>."""
    return _values_indices(name, fields)


def defined(grad, like):
    """grad, or zeros like `like` when the output it belongs to received no gradient."""
    return grad if grad is not None else _C.zeros_like(like)
