"""Inverses, determinants and linear solves of torch.linalg and their torch-level names: inv, det,
slogdet, logdet, solve, solve_triangular, cholesky and what is built on them (cholesky_solve,
cholesky_inverse, tensorinv, tensorsolve, triangular_solve), and the LDL^T family (ldl_factor,
ldl_factor_ex, ldl_solve: LAPACK's sytrf/sytrs, not differentiable, as in PyTorch).

Values come from NumPy/SciPy on the host (linalg_host.py); each primitive is an autograd Function
whose backward is PyTorch's formula written with these same differentiable functions, so second
derivatives work too. Singular and non-positive-definite inputs raise LinAlgError with PyTorch's
message; the *_ex forms return LAPACK's info instead.
"""
import numpy as np

from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.dim_wrap import wrap_dim
from chainrule._functions.legacy_linalg_warnings import warn_deprecated_once
from chainrule._functions.distances import _sum_to
from chainrule._functions.linalg_host import (
    check_matrix, check_same_dtype, check_solve_shapes, cholesky_host, device_tensor, host, int_tensor,
    lu_factor_host, not_positive_definite_message, per_matrix, raise_failures, return_type, scipy_linalg,
    singular_message)
from chainrule.amp import cast_policy as _autocast
from chainrule.autograd.function import Function

inv_ex_result = return_type("linalg_inv_ex", ("inverse", "info"))
solve_ex_result = return_type("linalg_solve_ex", ("result", "info"))
cholesky_ex_result = return_type("linalg_cholesky_ex", ("L", "info"))
slogdet_result = return_type("slogdet", ("sign", "logabsdet"))
linalg_slogdet_result = return_type("linalg_slogdet", ("sign", "logabsdet"))
triangular_solve_result = return_type("triangular_solve", ("solution", "cloned_coefficient"))
ldl_factor_result = return_type("linalg_ldl_factor", ("LD", "pivots"))
ldl_factor_ex_result = return_type("linalg_ldl_factor_ex", ("LD", "pivots", "info"))


def _identity_like(A):
    return _C.eye(A.shape[-1], dtype=A.dtype, device=A.device)


class _HostResult(Function):
    """The result the host computed for input A (and B); backward is the subclass's."""

    @staticmethod
    def forward(ctx, *inputs_and_result):
        *inputs, result = inputs_and_result
        ctx.save_for_backward(*inputs)
        return device_tensor(result, inputs[-1])


class _Inverse(_HostResult):
    @staticmethod
    def backward(ctx, grad):  # -A^{-T} g A^{-T}
        (A,) = ctx.saved_tensors
        inverse_t = inv(A).mT
        return -_C.matmul(inverse_t, _C.matmul(grad, inverse_t)), None


def _batched_or_per_matrix(batched, a, fallback):
    """(result, infos): NumPy's batched routine with zero infos, or, when it fails (a singular or
    non-positive-definite matrix somewhere), fallback(a) -> (result, LAPACK's infos per matrix)."""
    try:
        with np.errstate(all="ignore"):
            return batched(), np.zeros(a.shape[:-2], np.int64)
    except np.linalg.LinAlgError:
        return fallback(a)


def _inverse_host(a):
    """(inverses, infos): nan for the singular matrices of a batch (LAPACK info > 0)."""
    def per_matrix_infos(a):
        infos = lu_factor_host(a)[2]
        out = np.full_like(a, np.nan)
        out[infos == 0] = np.linalg.inv(a[infos == 0])
        return out, infos
    return _batched_or_per_matrix(lambda: np.linalg.inv(a), a, per_matrix_infos)


def _inverse(op, A, check_errors):
    check_matrix("linalg.inv", A, square=True)
    inverse, infos = _inverse_host(host(A))
    if check_errors:
        raise_failures(op, infos, singular_message)
    return inv_ex_result(_Inverse.apply(A, inverse), int_tensor(infos, A))


@_autocast.float32
def inv_ex(A, *, check_errors=False, out=None):
    """(inverse, info): info is 0, or i > 0 when U[i-1, i-1] of A's LU factorization is 0 (singular)."""
    return _inverse("linalg.inv_ex", A, check_errors)


@_autocast.float32
def inv(A, *, out=None):
    """The inverse of each square matrix of A; LinAlgError for a singular one."""
    return _inverse("linalg.inv", A, True).inverse


def _is_vector_rhs(A, B):
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


class _Solve(_HostResult):
    @staticmethod
    def backward(ctx, grad):  # gB = A^{-T} g, gA = -gB X^T (X recomputed, so that it has a graph)
        A, B = ctx.saved_tensors
        grad_B = _solve_matrices(A.mT, grad)
        grad_A = -_C.matmul(grad_B, _solve_matrices(A, B).mT)
        return _sum_to(grad_A, A.shape), _sum_to(grad_B, B.shape), None


def _solve_host(A, B):
    """(X, infos) with A X = B for matrices B, batch dims broadcast; X is nan for a singular A."""
    a, b = host(A), host(B)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a, b = np.broadcast_to(a, batch + a.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:])

    def per_matrix_infos(a):
        infos = lu_factor_host(a)[2]
        out = np.full(b.shape, np.nan, b.dtype)
        out[infos == 0] = np.linalg.solve(a[infos == 0], b[infos == 0])
        return out, infos
    return _batched_or_per_matrix(lambda: np.linalg.solve(a, b), a, per_matrix_infos)


def _solve_matrices(A, B):
    """X with A X = B for matrices B (nan for the singular A of a batch)."""
    return _Solve.apply(A, B, _solve_host(A, B)[0])


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """(result, info): X with A X = B (left) or X A = B; B may be a vector (or batch of vectors)."""
    check_matrix("linalg.solve", A, square=True)
    check_same_dtype("linalg.solve", A, B)
    vector = _is_vector_rhs(A, B)
    rhs = B.unsqueeze(-1) if vector else B
    check_solve_shapes("linalg.solve", A, rhs, left)
    if not left:
        A, rhs = A.mT, rhs.mT
    result, infos = _solve_host(A, rhs)
    if check_errors:
        raise_failures("torch.linalg.solve", infos, lambda _: "The solver failed because the input matrix is singular.")
    X = _Solve.apply(A, rhs, result)
    if not left:
        X = X.mT
    return solve_ex_result(X.squeeze(-1) if vector else X, int_tensor(infos, A))


@_autocast.float32
def solve(A, B, *, left=True, out=None):
    """X with A X = B (left=True) or X A = B; LinAlgError for a singular A."""
    return solve_ex(A, B, left=left, check_errors=True).result


class _SolveTriangular(Function):
    @staticmethod
    def forward(ctx, A, B, upper, unitriangular):
        a, b = host(A), host(B)
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a_full = np.broadcast_to(a, batch + a.shape[-2:]).reshape((-1,) + a.shape[-2:])
        b_full = np.broadcast_to(b, batch + b.shape[-2:]).reshape((-1,) + b.shape[-2:])
        with np.errstate(all="ignore"):
            solved = [scipy_linalg().solve_triangular(m, r, lower=not upper, unit_diagonal=unitriangular, check_finite=False)
                      for m, r in zip(a_full, b_full)]
        result = np.stack(solved) if solved else np.zeros(b_full.shape, b.dtype)
        ctx.save_for_backward(A, B)
        ctx.upper, ctx.unitriangular = upper, unitriangular
        return device_tensor(result.reshape(batch + b.shape[-2:]), B)

    @staticmethod
    def backward(ctx, grad):  # gB = A^{-T} g; gA = -gB X^T on A's triangle
        A, B = ctx.saved_tensors
        grad_B = solve_triangular(A.mT, grad, upper=not ctx.upper, unitriangular=ctx.unitriangular)
        X = solve_triangular(A, B, upper=ctx.upper, unitriangular=ctx.unitriangular)
        grad_A = -_C.matmul(grad_B, X.mT)
        offset = 1 if ctx.unitriangular else 0
        grad_A = grad_A.triu(offset) if ctx.upper else grad_A.tril(-offset)
        return _sum_to(grad_A, A.shape), _sum_to(grad_B, B.shape), None, None


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with A X = B (left) or X A = B for a triangular A (only its upper or lower triangle is read)."""
    check_matrix("linalg.solve_triangular", A, square=True)
    check_matrix("linalg.solve_triangular", B, name="B")
    check_same_dtype("linalg.solve_triangular", A, B)
    check_solve_shapes("linalg.solve_triangular", A, B, left)
    if not left:
        return _SolveTriangular.apply(A.mT, B.mT, not upper, unitriangular).mT
    return _SolveTriangular.apply(A, B, upper, unitriangular)


@_autocast.float32
def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):
    """torch.triangular_solve: (X, A's copy) with A X = b (A^T X = b when transpose)."""
    warn_deprecated_once("triangular_solve")
    coefficient = A.mT if transpose else A
    solution = solve_triangular(coefficient, b, upper=upper != transpose, unitriangular=unitriangular)
    return triangular_solve_result(solution, A.clone())


class _Determinant(Function):
    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        return device_tensor(np.linalg.det(host(A)), A)

    @staticmethod
    def backward(ctx, grad):  # g det(A) A^{-T}; 0 where det(A) = 0, as PyTorch 2.13 gives
        (A,) = ctx.saved_tensors
        determinant = det(A)
        cofactors = (grad * determinant).unsqueeze(-1).unsqueeze(-1) * inv_ex(A).inverse.mT
        singular = (determinant == 0).unsqueeze(-1).unsqueeze(-1)
        return _C.where(singular, 0.0, cofactors).to(A.dtype)


def det(A, *, out=None):
    """The determinant of each square matrix of A."""
    check_matrix("linalg.det", A, square=True)
    return _Determinant.apply(A)


class _SignLogDeterminant(Function):
    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        sign, logabsdet = np.linalg.slogdet(host(A))
        return device_tensor(sign, A), device_tensor(logabsdet, A)

    @staticmethod
    def backward(ctx, grad_sign, grad_logabsdet):  # g A^{-T}; the sign has no gradient
        (A,) = ctx.saved_tensors
        if grad_logabsdet is None:
            return _C.zeros_like(A)
        return grad_logabsdet.unsqueeze(-1).unsqueeze(-1) * inv(A).mT


def slogdet(A, *, out=None):
    """(sign, logabsdet) of each square matrix of A: det = sign * exp(logabsdet)."""
    check_matrix("linalg.slogdet", A, square=True)
    return linalg_slogdet_result(*_SignLogDeterminant.apply(A))


def torch_det(input):
    """torch.det: linalg.det under torch's keyword name (input=, where linalg.det has A=)."""
    return det(input)


@_autocast.float32
def torch_inverse(input):
    """torch.inverse: linalg.inv under torch's keyword name (input=, where linalg.inv has A=)."""
    return inv(input)


def torch_slogdet(input):
    """torch.slogdet: linalg.slogdet under its torch.return_types name."""
    return slogdet_result(*slogdet(input))


def logdet(input):
    """log(det(input)): nan where det < 0, -inf where det = 0."""
    sign, logabsdet = slogdet(input)
    return logabsdet + _C.where(sign < 0, float("nan"), 0.0).to(logabsdet.dtype)


class _Cholesky(_HostResult):
    @staticmethod
    def backward(ctx, grad):  # L^{-T} Phi(L^T g) L^{-1}, Phi: lower triangle with half diagonal
        (A,) = ctx.saved_tensors
        L = cholesky(A)
        phi = _C.matmul(L.mT, grad).tril()
        phi = 0.5 * (phi + phi.tril(-1).mT)
        grad_A = solve_triangular(L.mT, phi, upper=True)
        return solve_triangular(L, grad_A, upper=False, left=False), None


def _cholesky(op, A, upper, check_errors):
    check_matrix("linalg.cholesky", A, square=True)
    a = host(A)
    factor, infos = _batched_or_per_matrix(lambda: np.linalg.cholesky(a), a, cholesky_host)
    if check_errors:
        raise_failures(op, infos, not_positive_definite_message)
    L = _Cholesky.apply(A, factor)
    return cholesky_ex_result(L.mT if upper else L, int_tensor(infos, A))


@_autocast.float32
def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """(L, info): the Cholesky factor (lower, or upper = L^T) of each symmetric positive-definite matrix
    of A (its lower triangle is read); info i > 0 when the leading minor of order i is not positive."""
    return _cholesky("linalg.cholesky_ex", A, upper, check_errors)


@_autocast.float32
def cholesky(A, *, upper=False, out=None):
    """The Cholesky factor of each positive-definite matrix of A; LinAlgError for one that is not."""
    return _cholesky("linalg.cholesky", A, upper, True).L


@_autocast.float32
def torch_cholesky(input, upper=False):
    """torch.cholesky (deprecated in PyTorch): linalg.cholesky with a positional upper."""
    warn_deprecated_once("cholesky")
    return cholesky(input, upper=upper)


class _CholeskySolve(Function):
    @staticmethod
    def forward(ctx, B, L, upper):
        lower = L.mT if upper else L
        ctx.save_for_backward(B, L)
        ctx.upper = upper
        return solve_triangular(lower.mT, solve_triangular(lower, B, upper=False), upper=True)

    @staticmethod
    def backward(ctx, grad):  # gB = A^{-1} g; gL = -(gB X^T + X gB^T) L (L U^T for upper), A = L L^T
        B, L = ctx.saved_tensors
        grad_B = cholesky_solve(grad, L, ctx.upper)
        common = _C.matmul(grad_B, cholesky_solve(B, L, ctx.upper).mT)
        common = common + common.mT
        grad_L = -_C.matmul(L, common) if ctx.upper else -_C.matmul(common, L)
        return _sum_to(grad_B, B.shape), _sum_to(grad_L, L.shape), None


@_autocast.float32
def cholesky_solve(B, L, upper=False):
    """X with (L L^T) X = B, given the Cholesky factor L (upper: A = U^T U)."""
    check_matrix("cholesky_solve", B, name="B")
    check_matrix("cholesky_solve", L, name="A", square=True)
    return _CholeskySolve.apply(B, L, upper)


@_autocast.float32
def cholesky_inverse(L, upper=False):
    """(L L^T)^{-1} from the Cholesky factor L (upper: (U^T U)^{-1})."""
    eye = _identity_like(L).expand(*L.shape)
    return cholesky_solve(eye, L, upper=upper)


@_autocast.float32
def tensorinv(A, ind=2, *, out=None):
    """The tensor X with tensordot(A, X, ind) = identity: A reshaped to a square matrix and inverted."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = list(A.shape[:ind]), list(A.shape[ind:])
    size = int(np.prod(rows))
    if size != int(np.prod(cols)):
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {int(np.prod(cols))} != {size}")
    return inv(A.reshape(size, size)).reshape(cols + rows)


@_autocast.float32
def tensorsolve(A, B, dims=None, *, out=None):
    """X with tensordot(A, X, X.ndim) = B; dims of A are first moved to the end."""
    if dims is not None:
        dims = [wrap_dim(d, A.ndim) for d in dims]
        A = A.permute(*[d for d in range(A.ndim) if d not in dims], *dims)
    result_shape = list(A.shape[B.ndim:])
    size = B.numel()
    return solve(A.reshape(size, -1), B.reshape(size)).reshape(result_shape)


def ldl_factor_ex(A, *, hermitian=False, check_errors=False, out=None):
    """(LD, pivots, info): A = P L D L^T P^T by Bunch-Kaufman pivoting (LAPACK's sytrf, lower), L and
    the (1x1 and 2x2 block) diagonal D packed in LD, LAPACK's pivots; info i > 0 when D[i-1, i-1] is 0."""
    check_matrix("linalg.ldl_factor_ex", A, square=True)
    a = host(A)
    sytrf, = scipy_linalg().lapack.get_lapack_funcs(("sytrf",), (a,))
    n = a.shape[-1]
    (packed, pivots), infos = per_matrix(a, lambda m: sytrf(m, lower=1), (n, n), (n,))
    if check_errors:
        raise_failures("linalg.ldl_factor_ex", infos, singular_message)
    return ldl_factor_ex_result(device_tensor(np.tril(packed), A), int_tensor(pivots, A), int_tensor(infos, A))


def ldl_factor(A, *, hermitian=False, out=None):
    """(LD, pivots) of ldl_factor_ex; a RuntimeError when some D has a zero on its diagonal."""
    LD, pivots, info = ldl_factor_ex(A, hermitian=hermitian)
    raise_failures("torch.linalg.ldl_factor", host(info), lambda i: f"D[{i - 1},{i - 1}] is zero: A is singular",
                   error=RuntimeError)
    return ldl_factor_result(LD, pivots)


def _flat_batch(x, batch, core):
    """x broadcast to `batch` + its last `core` dims, with the batch flattened to one dim."""
    tail = x.shape[x.ndim - core:]
    return np.broadcast_to(x, batch + tail).reshape((int(np.prod(batch)),) + tail)


def ldl_solve(LD, pivots, B, *, hermitian=False, out=None):
    """X with A X = B, A given by ldl_factor (LAPACK's sytrs); batch dims broadcast."""
    check_matrix("torch.linalg.ldl_solve", LD, name="LD", square=True)
    check_matrix("torch.linalg.ldl_solve", B, name="B")
    check_solve_shapes("torch.linalg.ldl_solve", LD, B, left=True)
    ld, piv, b = host(LD), host(pivots).astype(np.int32), host(B)
    batch = np.broadcast_shapes(ld.shape[:-2], b.shape[:-2])
    sytrs, = scipy_linalg().lapack.get_lapack_funcs(("sytrs",), (ld,))
    flat = [_flat_batch(x, batch, core) for x, core in ((ld, 2), (piv, 1), (b, 2))]
    solved = [sytrs(m, p, r, lower=1)[0] for m, p, r in zip(*flat)]
    result = np.stack(solved) if solved else np.zeros(flat[2].shape, b.dtype)
    return device_tensor(result.reshape(batch + b.shape[-2:]), B)


Tensor.inverse = inv
Tensor.det = det
Tensor.slogdet = torch_slogdet
Tensor.logdet = logdet
Tensor.cholesky = torch_cholesky
Tensor.cholesky_solve = cholesky_solve
Tensor.cholesky_inverse = cholesky_inverse
Tensor.triangular_solve = triangular_solve
