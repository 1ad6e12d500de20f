"""The factorizations of torch.linalg and what is built on them: qr, svd / svdvals, eigh / eigvalsh,
pinv, lstsq, matrix_rank, matrix_exp, the LU family (lu_factor, lu, lu_unpack, lu_solve) and the
Householder family (geqrf, householder_product / orgqr, ormqr); with the torch-level names
(torch.svd's U, S, V; torch.lu; torch.pinverse).

Values come from NumPy/SciPy on the host (linalg_host.py), batched over the leading dims; each
factorization is an autograd Function with PyTorch's backward formula (derivatives.yaml /
FunctionsManual.cpp), written with differentiable chainrule ops on factors recomputed in backward,
so second derivatives work too. The rest is composed from them.
"""
import numpy as np

from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.diagonals import diag_embed
from chainrule._functions.linalg_host import (
    check_matrix, check_same_dtype, check_solve_shapes, defined, device_tensor, host, int_tensor, lu_factor_host,
    per_matrix, raise_failures, return_type, scalar_type_name, scipy_linalg, singular_message)
from chainrule._functions.legacy_linalg_warnings import warn_deprecated_once
from chainrule._functions.linalg_solvers import solve_triangular
from chainrule.amp import cast_policy as _autocast
from chainrule.autograd.function import Function

qr_result = return_type("linalg_qr", ("Q", "R"))
torch_qr_result = return_type("qr", ("Q", "R"))
svd_result = return_type("linalg_svd", ("U", "S", "Vh"))
torch_svd_result = return_type("svd", ("U", "S", "V"))
eigh_result = return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
lstsq_result = return_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
lu_factor_result = return_type("linalg_lu_factor", ("LU", "pivots"))
lu_factor_ex_result = return_type("linalg_lu_factor_ex", ("LU", "pivots", "info"))
lu_result = return_type("linalg_lu", ("P", "L", "U"))
lu_unpack_result = return_type("lu_unpack", ("P", "L", "U"))
geqrf_result = return_type("geqrf", ("a", "tau"))


class _QR(Function):
    @staticmethod
    def forward(ctx, A, mode):
        a = host(A)
        if mode == "r":
            Q, R = np.zeros(a.shape[:-2] + (0,), a.dtype), np.linalg.qr(a, mode="r")
        else:
            Q, R = np.linalg.qr(a, mode=mode)
        ctx.save_for_backward(A)
        ctx.mode = mode
        return device_tensor(Q, A), device_tensor(R, A)

    @staticmethod
    def backward(ctx, grad_Q, grad_R):
        (A,) = ctx.saved_tensors
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please "
                               "use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
        m, n = A.shape[-2], A.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        Q, R = _QR.apply(A, "reduced")  # recomputed with a graph, for second derivatives
        grad_Q, grad_R = defined(grad_Q, Q), defined(grad_R, R)
        if m >= n:
            return _qr_backward_tall(grad_Q, grad_R, Q, R), None
        # A = [X | Y] with X square: X = Q U, Y = Q V; gX from Q, U; gY = Q gV.
        U, grad_U, grad_V = R[..., :m], grad_R[..., :m], grad_R[..., m:]
        Y = _C.matmul(Q, R[..., m:])
        grad_X = _qr_backward_tall(grad_Q + _C.matmul(Y, grad_V.mT), grad_U, Q, U)
        return _C.cat([grad_X, _C.matmul(Q, grad_V)], -1), None


def _qr_backward_tall(grad_Q, grad_R, Q, R):
    """gA = (gQ + Q copyltu(M)) R^{-T}, M = R gR^T - gQ^T Q, for A = QR with m >= n."""
    M = _C.matmul(R, grad_R.mT) - _C.matmul(grad_Q.mT, Q)
    M = M.tril()
    M = M + M.tril(-1).mT
    return solve_triangular(R.mT, grad_Q + _C.matmul(Q, M), upper=False, left=False)


@_autocast.float32
def qr(A, mode="reduced", *, out=None):
    """(Q, R) with A = QR: mode 'reduced' (Q m x k), 'complete' (Q m x m) or 'r' (R only, Q empty)."""
    check_matrix("linalg.qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           f"or 'complete'")
    return qr_result(*_QR.apply(A, mode))


@_autocast.float32
def torch_qr(input, some=True):
    """torch.qr: linalg.qr with some=True for 'reduced' and some=False for 'complete'."""
    warn_deprecated_once("qr")
    return torch_qr_result(*qr(input, "reduced" if some else "complete"))


class _SVD(Function):
    @staticmethod
    def forward(ctx, A, full_matrices):
        ctx.save_for_backward(A)
        return tuple(device_tensor(x, A) for x in np.linalg.svd(host(A), full_matrices=full_matrices))

    @staticmethod
    def backward(ctx, grad_U, grad_S, grad_Vh):
        (A,) = ctx.saved_tensors
        U, S, Vh = _SVD.apply(A, False)  # the first k = min(m, n) singular vectors, with a graph
        k = S.shape[-1]
        grad_U = None if grad_U is None else grad_U[..., :k]
        grad_Vh = None if grad_Vh is None else grad_Vh[..., :k, :]
        return _svd_backward(grad_U, grad_S, grad_Vh, U, S, Vh), None


def _svd_backward(grad_U, grad_S, grad_Vh, U, S, Vh):
    """PyTorch's svd_backward for real A = U diag(S) Vh (reduced): the singular values must be distinct
    for the singular vectors' gradient."""
    m, n, k = U.shape[-2], Vh.shape[-1], S.shape[-1]
    if grad_U is None and grad_Vh is None:
        grad_S = defined(grad_S, S)
        return _C.matmul(U * grad_S.unsqueeze(-2), Vh)
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + _C.eye(k, dtype=S.dtype, device=S.device)  # s_j^2 - s_i^2, 1 on diag
    grad_A = _C.zeros_like(E)
    if grad_U is not None:
        UtgU = _C.matmul(U.mT, grad_U)
        grad_A = grad_A + (UtgU - UtgU.mT) / E * S.unsqueeze(-2)
    if grad_Vh is not None:
        VtgV = _C.matmul(Vh, grad_Vh.mT)
        grad_A = grad_A + S.unsqueeze(-1) * ((VtgV - VtgV.mT) / E)
    if grad_S is not None:
        grad_A = grad_A + diag_embed(grad_S)
    if m > k and grad_U is not None:
        grad_A = _C.matmul(U, grad_A)
        grad_U_over_S = grad_U / S.unsqueeze(-2)
        grad_A = grad_A + grad_U_over_S - _C.matmul(U, _C.matmul(U.mT, grad_U_over_S))
        return _C.matmul(grad_A, Vh)
    if n > k and grad_Vh is not None:
        grad_A = _C.matmul(grad_A, Vh)
        grad_Vh_over_S = grad_Vh / S.unsqueeze(-1)
        grad_A = grad_A + grad_Vh_over_S - _C.matmul(_C.matmul(grad_Vh_over_S, Vh.mT), Vh)
        return _C.matmul(U, grad_A)
    return _C.matmul(U, _C.matmul(grad_A, Vh))


@_autocast.float32
def svd(A, full_matrices=True, *, driver=None, out=None):
    """(U, S, Vh) with A = U diag(S) Vh, S descending; full_matrices gives square U and Vh."""
    check_matrix("linalg.svd", A)
    return svd_result(*_SVD.apply(A, full_matrices))


@_autocast.float32
def svdvals(A, *, driver=None, out=None):
    """The singular values of each matrix of A, descending."""
    check_matrix("linalg.svdvals", A)
    return _SVD.apply(A, False)[1]


@_autocast.float32
def torch_svd(input, some=True, compute_uv=True):
    """torch.svd: (U, S, V) (V, not Vh); some=True is the reduced form; without compute_uv, U and V
    are zero matrices (m x m and n x n)."""
    check_matrix("svd", input)
    if not compute_uv:
        m, n = input.shape[-2], input.shape[-1]
        zeros = [_C.zeros(*input.shape[:-2], size, size, dtype=input.dtype, device=input.device) for size in (m, n)]
        return torch_svd_result(zeros[0], svdvals(input), zeros[1])
    U, S, Vh = _SVD.apply(input, not some)
    return torch_svd_result(U, S, Vh.mT)


class _Eigh(Function):
    @staticmethod
    def forward(ctx, A, UPLO):
        ctx.save_for_backward(A)
        ctx.UPLO = UPLO
        return tuple(device_tensor(x, A) for x in np.linalg.eigh(host(A), UPLO=UPLO))

    @staticmethod
    def backward(ctx, grad_values, grad_vectors):  # V (diag(gL) + (V^T gV) / E) V^T, E_ij = L_j - L_i
        (A,) = ctx.saved_tensors
        values, vectors = _Eigh.apply(A, ctx.UPLO)  # recomputed with a graph
        inner = _C.zeros_like(vectors)
        if grad_vectors is not None:
            n = values.shape[-1]
            E = values.unsqueeze(-2) - values.unsqueeze(-1) + _C.eye(n, dtype=values.dtype, device=values.device)
            off_diagonal = 1 - _C.eye(n, dtype=values.dtype, device=values.device)
            inner = _C.matmul(vectors.mT, grad_vectors) / E * off_diagonal
        if grad_values is not None:
            inner = inner + diag_embed(grad_values)
        return _C.matmul(vectors, _C.matmul(inner, vectors.mT)), None


@_autocast.float32
def eigh(A, UPLO="L", *, out=None):
    """(eigenvalues ascending, eigenvectors as columns) of each symmetric matrix of A; only the lower
    (UPLO='L') or upper ('U') triangle is read."""
    check_matrix("linalg.eigh", A, square=True)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return eigh_result(*_Eigh.apply(A, UPLO))


@_autocast.float32
def eigvalsh(A, UPLO="L", *, out=None):
    """The eigenvalues (ascending) of each symmetric matrix of A."""
    check_matrix("linalg.eigh", A, square=True)
    return eigh(A, UPLO).eigenvalues


def _tolerance(A, atol, rtol, largest):
    """max(atol, rtol * largest), largest a NumPy array of the largest singular value of each matrix:
    PyTorch's rule, rtol = eps * max(m, n) when neither is given and 0 when only atol is."""
    if rtol is None:
        rtol = np.finfo(largest.dtype).eps * max(A.shape[-2:]) if atol is None or atol == 0 else 0.0
    return np.maximum(atol or 0.0, rtol * largest)


class _Pinv(Function):
    @staticmethod
    def forward(ctx, A, atol, rtol, hermitian):
        a = host(A)
        if hermitian:
            values, vectors = np.linalg.eigh(a)
            magnitude = np.abs(values)
            cutoff = _tolerance(A, atol, rtol, magnitude.max(-1, initial=0.0))
            kept = np.where(magnitude > cutoff[..., None], 1 / np.where(magnitude > 0, values, 1), 0)
            pinverse = (vectors * kept[..., None, :]) @ np.swapaxes(vectors, -1, -2)
        else:
            U, S, Vh = np.linalg.svd(a, full_matrices=False)
            cutoff = _tolerance(A, atol, rtol, S.max(-1, initial=0.0))
            kept = np.where(S > cutoff[..., None], 1 / np.where(S > 0, S, 1), 0)
            pinverse = np.swapaxes(Vh, -1, -2) * kept[..., None, :] @ np.swapaxes(U, -1, -2)
        ctx.save_for_backward(A)
        ctx.arguments = (atol, rtol, hermitian)
        return device_tensor(pinverse, A)

    @staticmethod
    def backward(ctx, grad):  # PyTorch's pinv_backward
        (A,) = ctx.saved_tensors
        P = _Pinv.apply(A, *ctx.arguments)  # recomputed with a graph
        m, n = A.shape[-2], A.shape[-1]
        Pt, gt = P.mT, grad.mT
        if m <= n:
            K = _C.matmul(gt, P)
            KPt = _C.matmul(K, Pt)
            return (-_C.matmul(P, K).mT + KPt - _C.matmul(_C.matmul(A, P), KPt)
                    + _C.matmul(_C.matmul(Pt, P), gt - _C.matmul(K, A))), None, None, None
        K = _C.matmul(P, gt)
        PtK = _C.matmul(Pt, K)
        return (-_C.matmul(K, P).mT + _C.matmul(_C.matmul(gt - _C.matmul(A, K), P), Pt) + PtK
                - _C.matmul(_C.matmul(PtK, P), A)), None, None, None


def _plain_tolerance(value):
    return value.item() if isinstance(value, Tensor) else value


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """The Moore-Penrose pseudo-inverse; singular values below max(atol, rtol * largest) count as 0."""
    if isinstance(A, Tensor) and (A.ndim < 2 or not A.is_floating_point()):
        raise RuntimeError(f"linalg.pinv({scalar_type_name(A.dtype)}{{{list(A.shape)}}}): expected a tensor with 2 "
                           f"or more dimensions of float, double, cfloat or cdouble types")
    check_matrix("linalg.eigh" if hermitian else "linalg.pinv", A, square=hermitian)
    return _Pinv.apply(A, _plain_tolerance(atol), _plain_tolerance(rtol), hermitian)


@_autocast.float32
def pinverse(input, rcond=1e-15):
    """torch.pinverse: pinv with rtol=rcond."""
    return pinv(input, rtol=rcond)


@_autocast.float32
def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, tol=None, out=None):
    """The number of singular values (|eigenvalues| when hermitian) above max(atol, rtol * largest)."""
    check_matrix("linalg.eigh" if hermitian else "linalg.matrix_rank", A, square=hermitian)
    if tol is not None:
        atol, rtol = tol, 0.0
    a = host(A)
    values = np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False)
    largest = values.max(-1, initial=0.0)
    cutoff = _tolerance(A, _plain_tolerance(atol), _plain_tolerance(rtol), largest)
    return int_tensor((values > cutoff[..., None]).sum(-1), A, _C.dtype.int64)


@_autocast.float32
def lstsq(A, B, rcond=None, *, driver=None):
    """(solution, residuals, rank, singular_values) of min ||A X - B||: the solution is pinv(A) B, so
    its gradient is PyTorch's; residuals for drivers gels/gelsd/gelss when m > n and A has full rank;
    rank for all but gels, singular values for gelsd/gelss (empty otherwise)."""
    check_matrix("torch.linalg.lstsq", A)
    check_same_dtype("torch.linalg.lstsq", A, B)
    driver = driver or "gelsy"
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    vector = B.ndim == A.ndim - 1
    rhs = B.unsqueeze(-1) if vector else B
    if rhs.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    X = _C.matmul(pinv(A, rtol=rcond), rhs)
    m, n = A.shape[-2], A.shape[-1]
    empty = A.new_zeros(0)
    rank = matrix_rank(A, rtol=rcond) if driver != "gels" else empty.long()
    full_rank = driver == "gels" or bool((rank == min(m, n)).all())
    residuals = empty
    if driver != "gelsy" and m > n and full_rank:
        residuals = ((_C.matmul(A, X) - rhs) ** 2).sum(-2)
        residuals = residuals.squeeze(-1) if vector else residuals
    singular_values = svdvals(A).detach() if driver in ("gelsd", "gelss") else empty
    return lstsq_result(X.squeeze(-1) if vector else X, residuals, rank, singular_values)


class _MatrixExp(Function):
    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        return device_tensor(scipy_linalg().expm(host(A)), A)

    @staticmethod
    def backward(ctx, grad):  # the top right block of exp([[A^T, g], [0, A^T]])
        (A,) = ctx.saved_tensors
        n = A.shape[-1]
        top = _C.cat([A.mT, grad], -1)
        bottom = _C.cat([_C.zeros_like(A), A.mT], -1)
        return matrix_exp(_C.cat([top, bottom], -2))[..., :n, n:]


def matrix_exp(input):
    """The matrix exponential of each square matrix of input (torch's keyword for it, also in linalg)."""
    check_matrix("linalg.matrix_exp", input, square=True)
    return _MatrixExp.apply(input)


class _LUFactor(Function):
    @staticmethod
    def forward(ctx, A, packed, pivots):
        ctx.save_for_backward(A)
        return device_tensor(packed, A)

    @staticmethod
    def backward(ctx, grad_LU):  # PyTorch's linalg_lu_backward: A = P L U, L m x k, U k x n
        (A,) = ctx.saved_tensors
        P, L, U = lu(A)  # recomputed with a graph
        m, n = A.shape[-2], A.shape[-1]
        k = min(m, n)
        grad_L, grad_U = grad_LU[..., :, :k].tril(-1), grad_LU[..., :k, :].triu()
        if m < n:  # A = P L [U1 | U2]: U2 = L^{-1} P^T A2 also moves with L
            grad_right = solve_triangular(L.mT, grad_U[..., :, k:], upper=True, unitriangular=True)
            grad_L = (grad_L - _C.matmul(grad_right, U[..., :, k:].mT)).tril(-1)
            grad_A = _C.cat([_square_lu_backward(grad_L, grad_U[..., :, :k], L, U[..., :, :k]), grad_right], -1)
        elif m > n:  # P^T A = [L1; L2] U: L2 = (P^T A)_2 U^{-1} also moves with U
            grad_bottom = solve_triangular(U.mT, grad_L[..., k:, :], upper=False, left=False)
            grad_U = (grad_U - _C.matmul(L[..., k:, :].mT, grad_bottom)).triu()
            grad_A = _C.cat([_square_lu_backward(grad_L[..., :k, :], grad_U, L[..., :k, :], U), grad_bottom], -2)
        else:
            grad_A = _square_lu_backward(grad_L, grad_U, L, U)
        return _C.matmul(P, grad_A), None, None


def _square_lu_backward(grad_L, grad_U, L, U):
    """L^{-T} (tril(L^T gL, -1) + triu(gU U^T)) U^{-T}: the gradient of P^T A = L U, L and U square."""
    grad_R = _C.matmul(L.mT, grad_L).tril(-1) + _C.matmul(grad_U, U.mT).triu()
    grad_A = solve_triangular(U.mT, grad_R, upper=False, left=False)
    return solve_triangular(L.mT, grad_A, upper=True, unitriangular=True)


def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """(LU, pivots, info): L (unit diagonal, below) and U packed in one matrix, 1-based row swaps, and
    LAPACK's info (i > 0 when U[i-1, i-1] is 0)."""
    check_matrix("linalg.lu_factor", A)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    packed, pivots, infos = lu_factor_host(host(A))
    if check_errors:
        raise_failures("linalg.lu_factor", infos, singular_message)
    pivots = int_tensor(pivots, A)
    return lu_factor_ex_result(_LUFactor.apply(A, packed, pivots), pivots, int_tensor(infos, A))


def lu_factor(A, *, pivot=True, out=None):
    """(LU, pivots) of lu_factor_ex; a RuntimeError when some U has a zero on its diagonal."""
    LU, pivots, info = lu_factor_ex(A, pivot=pivot)
    raise_failures("torch.linalg.lu_factor", host(info), lambda i: (
        f"U[{i},{i}] is zero and using it on lu_solve would result in a division by zero. If you still want to "
        f"perform the factorization, consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)"),
        error=RuntimeError)
    return lu_factor_result(LU, pivots)


def _permutation_matrices(pivots, rows, like):
    """P (.., rows, rows) with A = P L U from LAPACK's 1-based sequential row swaps."""
    swaps = host(pivots).reshape(int(np.prod(pivots.shape[:-1])), pivots.shape[-1]) - 1
    perms = np.tile(np.arange(rows), (swaps.shape[0], 1))
    for perm, swap in zip(perms, swaps):
        for i, j in enumerate(swap):
            perm[i], perm[j] = perm[j], perm[i]
    P = np.eye(rows)[perms].swapaxes(-1, -2).reshape(tuple(pivots.shape[:-1]) + (rows, rows))
    return device_tensor(P, like)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """(P, L, U) from lu_factor's packed LU and pivots; a part not asked for is an empty tensor."""
    m, n = LU_data.shape[-2], LU_data.shape[-1]
    k = min(m, n)
    empty = LU_data.new_zeros(0)
    P = _permutation_matrices(LU_pivots, m, LU_data) if unpack_pivots else empty
    if not unpack_data:
        return lu_unpack_result(P, empty, empty)
    L = LU_data[..., :, :k].tril(-1) + _C.eye(m, k, dtype=LU_data.dtype, device=LU_data.device)
    return lu_unpack_result(P, L, LU_data[..., :k, :].triu())


def lu(A, *, pivot=True, out=None):
    """(P, L, U) with A = P L U: L unit lower triangular (m x k), U upper triangular (k x n)."""
    LU, pivots, _ = lu_factor_ex(A, pivot=pivot)
    return lu_result(*lu_unpack(LU, pivots))


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """X with A X = B (A^T X = B when adjoint; X A = B when not left), A given by lu_factor."""
    check_matrix("linalg.lu_solve", LU, name="LU", square=True)
    check_matrix("linalg.lu_solve", B, name="B")
    if pivots.is_floating_point() or pivots.dtype == _C.dtype.bool:
        raise _C.DTypeError(f"linalg.lu_solve: pivots should be a Tensor of an integer type (the int64 pivots of "
                            f"lu_factor), got {pivots.dtype}")
    if pivots.ndim == 0 or pivots.shape[-1] != LU.shape[-1]:
        raise _C.InvalidArgumentError("linalg.lu_solve: Number of pivots per batch should be same as the dimension "
                                      f"of the matrix (pivots of shape {tuple(pivots.shape)}, LU of shape "
                                      f"{tuple(LU.shape)})")
    check_solve_shapes("linalg.lu_solve", LU, B, left)
    if not left:
        return lu_solve(LU, pivots, B.mT, adjoint=not adjoint).mT
    P, L, U = lu_unpack(LU, pivots)
    if adjoint:  # A^T = U^T L^T P^T
        Y = solve_triangular(L.mT, solve_triangular(U.mT, B, upper=False), upper=True, unitriangular=True)
        return _C.matmul(P, Y)
    Y = solve_triangular(L, _C.matmul(P.mT, B), upper=False, unitriangular=True)
    return solve_triangular(U, Y, upper=True)


def torch_lu(A, pivot=True, get_infos=False, out=None):
    """torch.lu (deprecated in PyTorch): (LU, pivots), and info with get_infos."""
    warn_deprecated_once("lu")
    LU, pivots, info = lu_factor_ex(A, pivot=pivot, check_errors=not get_infos)
    return (LU, pivots, info) if get_infos else (LU, pivots)


def torch_lu_solve(b, LU_data, LU_pivots, *, out=None):
    """torch.lu_solve (deprecated in PyTorch): linalg.lu_solve with b first."""
    warn_deprecated_once("lu_solve")
    return lu_solve(LU_data, LU_pivots, b)


def _householder_full(op, A, tau):
    """H_1 ... H_k (m x m), H_i = I - tau_i v_i v_i^T, v_i the i-th column of A below the diagonal with
    a 1 on it (what geqrf returns): composed, so differentiable in A and tau."""
    check_matrix(op, A, name="input")
    m, n, k = A.shape[-2], A.shape[-1], tau.shape[-1]
    if not m >= n >= k:
        raise RuntimeError(f"{op}: input.shape[-2] must be greater than or equal to input.shape[-1], and "
                           f"input.shape[-1] must be greater than or equal to tau.shape[-1]")
    rows = _C.arange(m, device=A.device).unsqueeze(-1)
    eye = _C.eye(m, dtype=A.dtype, device=A.device)
    Q = eye.expand(*A.shape[:-2], m, m)
    for i in range(k):
        v = A[..., :, i:i + 1] * (rows > i).to(A.dtype) + (rows == i).to(A.dtype)
        reflector = eye - tau[..., i:i + 1].unsqueeze(-1) * _C.matmul(v, v.mT)
        Q = _C.matmul(Q, reflector)
    return Q


@_autocast.float32
def householder_product(A, tau, *, out=None):
    """The first n columns of the product of the Householder reflectors stored in A and tau."""
    return _householder_full("torch.linalg.householder_product", A, tau)[..., :, :A.shape[-1]]


def orgqr(input, tau):
    """torch.orgqr: householder_product."""
    return householder_product(input, tau)


def ormqr(input, tau, other, left=True, transpose=False, *, out=None):
    """Q other (other Q when not left; Q^T when transpose), Q the m x m product of the reflectors of
    geqrf's (input, tau)."""
    Q = _householder_full("torch.ormqr", input, tau)
    Q = Q.mT if transpose else Q
    return _C.matmul(Q, other) if left else _C.matmul(other, Q)


def geqrf(input, *, out=None):
    """(a, tau): LAPACK's geqrf QR factorization, R above the diagonal of a and the reflectors below
    (for householder_product / ormqr); not differentiable, as in PyTorch."""
    check_matrix("geqrf", input)
    a = host(input)
    geqrf_lapack, = scipy_linalg().lapack.get_lapack_funcs(("geqrf",), (a,))
    (packed, tau), _ = per_matrix(a, lambda m: geqrf_lapack(m)[:2] + (0,), a.shape[-2:], (min(a.shape[-2:]),))
    return geqrf_result(device_tensor(packed, input), device_tensor(tau, input))


Tensor.qr = torch_qr
Tensor.svd = torch_svd
Tensor.pinverse = pinverse
Tensor.matrix_exp = matrix_exp
Tensor.lu = torch_lu
Tensor.lu_solve = torch_lu_solve
Tensor.orgqr = orgqr
Tensor.ormqr = ormqr
Tensor.geqrf = geqrf
