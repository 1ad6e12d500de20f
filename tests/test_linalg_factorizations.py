"""Factorizations (python/chainrule/_functions/linalg_factorizations.py) against PyTorch: values and
gradients in float32/float64 on batched inputs, float64 gradcheck, PyTorch's errors. Losses on
singular or eigen vectors are checked as PyTorch computes them (same LAPACK sign conventions)."""
import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch, torch
from linalg_cases import DTYPES, requires_scipy, check_against_torch, check_gradcheck, matrix

pytestmark = [requires_torch, requires_scipy]

TALL, WIDE, SQUARE = matrix((2, 5, 3)), matrix((2, 3, 5), seed=3), matrix((2, 4, 4), seed=4)
SYMMETRIC = matrix((2, 4, 4), "symmetric", seed=5)

CASES = [
    ("qr tall", lambda lib: lib.linalg.qr, TALL),
    ("qr wide", lambda lib: lib.linalg.qr, WIDE),
    ("qr complete square", lambda lib: lambda A: lib.linalg.qr(A, mode="complete"), SQUARE),
    ("qr complete wide", lambda lib: lambda A: lib.linalg.qr(A, "complete"), WIDE),
    ("torch qr", lambda lib: lib.qr, TALL),
    ("method qr some=False", lambda lib: lambda A: A.qr(some=False), WIDE),
    ("svd reduced tall", lambda lib: lambda A: _gauge_free(lib.linalg.svd(A, full_matrices=False)), TALL),
    ("svd reduced wide", lambda lib: lambda A: _gauge_free(lib.linalg.svd(A, full_matrices=False)), WIDE),
    ("svd full tall", lambda lib: lambda A: _gauge_free(lib.linalg.svd(A)), TALL),
    ("svd full wide", lambda lib: lambda A: _gauge_free(lib.linalg.svd(A)), WIDE),
    ("svd square", lambda lib: lambda A: _gauge_free(lib.linalg.svd(A)), SQUARE),
    ("torch svd", lambda lib: lambda A: _gauge_free(lib.svd(A), transposed=True), TALL),
    ("method svd some=False", lambda lib: lambda A: _gauge_free(A.svd(some=False), transposed=True), WIDE),
    ("svdvals", lambda lib: lib.linalg.svdvals, WIDE),
    ("eigh", lambda lib: lambda A: _gauge_free(lib.linalg.eigh(A + A.mT)), SYMMETRIC),
    ("eigh upper", lambda lib: lambda A: _gauge_free(lib.linalg.eigh(A + A.mT, UPLO="U")), SYMMETRIC),
    ("eigh reads one triangle", lambda lib: lambda A: lib.linalg.eigh(A.tril()).eigenvalues, SYMMETRIC),
    ("eigvalsh", lambda lib: lambda A: lib.linalg.eigvalsh(A + A.mT), SYMMETRIC),
    ("pinv tall", lambda lib: lib.linalg.pinv, TALL),
    ("pinv wide", lambda lib: lib.linalg.pinv, WIDE),
    ("pinv hermitian", lambda lib: lambda A: lib.linalg.pinv(A + A.mT, hermitian=True), SQUARE),
    ("pinverse", lambda lib: lib.pinverse, TALL),
    ("method pinverse", lambda lib: lambda A: A.pinverse(), WIDE),
    ("matrix_exp", lambda lib: lambda A: lib.linalg.matrix_exp(A / 4), SQUARE),
    ("torch matrix_exp", lambda lib: lambda A: lib.matrix_exp(A / 4), SQUARE),
    ("method matrix_exp", lambda lib: lambda A: (A / 4).matrix_exp(), SQUARE),
    ("lu_factor", lambda lib: lib.linalg.lu_factor, SQUARE),
    ("lu_factor_ex", lambda lib: lib.linalg.lu_factor_ex, SQUARE),
    ("lu", lambda lib: lib.linalg.lu, SQUARE),
    ("lu tall", lambda lib: lib.linalg.lu, TALL),
    ("lu wide", lambda lib: lib.linalg.lu, WIDE),
    ("lu_unpack wide", lambda lib: lambda A: lib.lu_unpack(*lib.linalg.lu_factor(A)), WIDE),
    ("lu_unpack", lambda lib: lambda A: lib.lu_unpack(*lib.linalg.lu_factor(A)), SQUARE),
    ("torch lu", lambda lib: lib.lu, SQUARE),
    ("householder_product", lambda lib: lambda A: lib.linalg.householder_product(A, A[..., 0, :2] / 4), TALL),
    ("orgqr", lambda lib: lambda A: lib.orgqr(A, A[..., 1, :] / 4), TALL),
    ("method orgqr", lambda lib: lambda A: A.orgqr(A[..., 1, :] / 4), TALL),
    ("ormqr", lambda lib: lambda A: lib.ormqr(A, A[..., 0, :] / 4, A[..., :2]), TALL),
    ("ormqr right transposed", lambda lib: lambda A: A.ormqr(A[..., 0, :] / 4, A[..., :2].mT, False, True),
     TALL),
]


def _gauge_free(factors, transposed=False):
    """Singular (or eigen) vectors are unique up to sign, and LAPACK builds may pick differently: the
    squares of their entries are not, nor are the values. Full U and Vh keep their first k vectors
    (the rest is any basis of the complement)."""
    if len(factors) == 2:  # eigh
        values, vectors = factors
        return values, vectors * vectors
    U, S, Vh = factors
    k = S.shape[-1]
    Vh = Vh.mT if transposed else Vh
    return U[..., :k] ** 2, S, Vh[..., :k, :] ** 2


NO_GRADIENT = {"lu_factor", "lu_factor_ex", "torch lu"}  # a packed LU has a gradient, but only its first output


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, op, array", CASES, ids=[n for n, _, _ in CASES])
def test_factorizations_match_pytorch(name, op, array, dtype):
    check_against_torch(op(cr), op(torch), [array], dtype, outputs=[0] if name in NO_GRADIENT else None)



# PyTorch's (and so our) eigh gradient is that of the symmetric matrix, not of the triangle read.
NOT_A_FUNCTION_GRADIENT = {"eigh reads one triangle"}


@pytest.mark.parametrize("name, op, array", CASES, ids=[n for n, _, _ in CASES])
def test_factorizations_pass_gradcheck(name, op, array):
    if name in NOT_A_FUNCTION_GRADIENT:
        pytest.skip("the gradient is for the symmetric matrix, which finite differences of one triangle do not see")
    check_gradcheck(op(cr), [array[0]], outputs=[0] if name in NO_GRADIENT else None)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("adjoint", [False, True])
@pytest.mark.parametrize("left", [True, False])
def test_lu_solve_matches_pytorch(dtype, adjoint, left):
    def solve(lib):
        def run(A, B):
            LU, pivots = lib.linalg.lu_factor(A)
            return lib.linalg.lu_solve(LU, pivots, B if left else B.mT, left=left, adjoint=adjoint)
        return run
    B = matrix((2, 4, 3), seed=6)
    check_against_torch(solve(cr), solve(torch), [SQUARE, B], dtype)
    check_gradcheck(solve(cr), [SQUARE[0], B[0]])


@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_lu_solve_matches_pytorch(dtype):
    B = matrix((2, 4, 3), seed=6)
    check_against_torch(lambda A, B: cr.lu_solve(B, *cr.lu(A)), lambda A, B: torch.lu_solve(B, *torch.lu(A)),
                        [SQUARE, B], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("driver", [None, "gels", "gelsd", "gelss", "gelsy"])
@pytest.mark.parametrize("shape", [(2, 5, 3), (2, 3, 5)], ids=["tall", "wide"])
def test_lstsq_matches_pytorch(dtype, driver, shape):
    B = matrix(shape[:-1] + (2,), seed=7)
    check_against_torch(lambda A, B: cr.linalg.lstsq(A, B, driver=driver),
                        lambda A, B: torch.linalg.lstsq(A, B, driver=driver), [matrix(shape), B], dtype,
                        outputs=[0])


def test_lstsq_of_a_vector_and_its_gradcheck():
    A, b = matrix((5, 3)), matrix((5, 1))[:, 0]
    check_against_torch(lambda A, b: cr.linalg.lstsq(A, b.unsqueeze(-1)).solution,
                        lambda A, b: torch.linalg.lstsq(A, b.unsqueeze(-1)).solution, [A, b], "float64")
    check_gradcheck(lambda A, b: cr.linalg.lstsq(A, b.unsqueeze(-1)).solution, [A, b])


RANKS = [
    ("full", {}, matrix((2, 5, 3))),
    ("deficient", {}, np.stack([np.outer(np.arange(1.0, 6), np.arange(1.0, 4))] * 2)),
    ("atol", {"atol": 2.0}, matrix((2, 5, 3))),
    ("rtol", {"rtol": 0.5}, matrix((2, 5, 3))),
    ("hermitian", {"hermitian": True}, matrix((2, 4, 4), "spd") - 6 * np.eye(4)),
]


@pytest.mark.parametrize("name, kwargs, array", RANKS, ids=[n for n, _, _ in RANKS])
def test_matrix_rank_matches_pytorch(name, kwargs, array):
    ours = cr.linalg.matrix_rank(cr.tensor(array), **kwargs)
    theirs = torch.linalg.matrix_rank(torch.tensor(array), **kwargs)
    assert ours.tolist() == theirs.tolist()


def test_pinv_of_a_rank_deficient_matrix_matches_pytorch():
    array = np.outer(np.arange(1.0, 6), np.arange(1.0, 4))
    check_against_torch(cr.linalg.pinv, torch.linalg.pinv, [array], "float64", grad=False)


@pytest.mark.parametrize("dtype", DTYPES)
def test_geqrf_matches_pytorch(dtype):
    check_against_torch(lambda A: A.geqrf(), lambda A: torch.geqrf(A), [TALL], dtype, grad=False)
    check_against_torch(lambda A: cr.geqrf(A), lambda A: torch.geqrf(A), [WIDE], dtype, grad=False)
    check_against_torch(lambda A: cr.orgqr(*cr.geqrf(A)), lambda A: torch.orgqr(*torch.geqrf(A)), [TALL], dtype,
                        grad=False)


def test_torch_svd_without_uv_gives_zero_matrices():
    ours, theirs = cr.svd(cr.tensor(TALL), compute_uv=False), torch.svd(torch.tensor(TALL), compute_uv=False)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-10)


def test_return_types_have_pytorchs_names_and_fields():
    A = matrix((4, 4), "spd")
    for call in [lambda lib, A: lib.linalg.qr(A), lambda lib, A: lib.linalg.svd(A), lambda lib, A: lib.svd(A),
                 lambda lib, A: lib.linalg.eigh(A), lambda lib, A: lib.linalg.lu(A),
                 lambda lib, A: lib.linalg.lstsq(A, A),
                 lambda lib, A: lib.linalg.lu_factor_ex(A), lambda lib, A: lib.linalg.slogdet(A),
                 lambda lib, A: lib.slogdet(A), lambda lib, A: lib.linalg.inv_ex(A), lambda lib, A: lib.qr(A)]:
        ours, theirs = call(cr, cr.tensor(A)), call(torch, torch.tensor(A))
        assert type(ours).__name__ == type(theirs).__name__
        for index, field in enumerate(ours._fields):
            assert tuple(getattr(theirs, field).shape) == tuple(theirs[index].shape)


def _errors(call, arrays, dtype="float64"):
    result = []
    for lib in (cr, torch):
        try:
            call(lib, *[lib.tensor(a, dtype=getattr(lib, dtype)) for a in arrays])
            result.append(None)
        except Exception as error:  # noqa: BLE001 -- the message is what is compared
            result.append(error)
    return result


ERRORS = [
    ("qr 1-D", lambda lib, A: lib.linalg.qr(A), [np.ones(3)], "float64"),
    ("qr bad mode", lambda lib, A: lib.linalg.qr(A, mode="full"), [np.ones((3, 3))], "float64"),
    ("svd 1-D", lambda lib, A: lib.linalg.svd(A), [np.ones(3)], "float64"),
    ("svd integer", lambda lib, A: lib.linalg.svd(A), [np.ones((3, 3))], "int64"),
    ("eigh non-square", lambda lib, A: lib.linalg.eigh(A), [np.ones((2, 3))], "float64"),
    ("eigh bad UPLO", lambda lib, A: lib.linalg.eigh(A, UPLO="X"), [np.eye(3)], "float64"),
    ("matrix_exp non-square", lambda lib, A: lib.linalg.matrix_exp(A), [np.ones((2, 3))], "float64"),
    ("lu_factor singular", lambda lib, A: lib.linalg.lu_factor(A), [np.zeros((2, 2))], "float64"),
    ("lu_factor no pivot", lambda lib, A: lib.linalg.lu_factor(A, pivot=False), [np.eye(2)], "float64"),
    ("pinv integer", lambda lib, A: lib.linalg.pinv(A), [np.ones((3, 3))], "int64"),
]


@pytest.mark.parametrize("name, call, arrays, dtype", ERRORS, ids=[n for n, *_ in ERRORS])
def test_bad_inputs_raise_pytorchs_errors(name, call, arrays, dtype):
    ours, theirs = _errors(call, arrays, dtype)
    assert ours is not None and theirs is not None, (ours, theirs)
    assert isinstance(ours, RuntimeError) and isinstance(theirs, RuntimeError)
    assert str(ours) == str(theirs)


@pytest.mark.parametrize("mode, shape", [("r", (3, 3)), ("complete", (4, 3))])
def test_qr_modes_without_a_gradient_say_so_on_backward(mode, shape):
    for lib in (cr, torch):
        A = lib.ones(*shape, dtype=lib.float64).triu().requires_grad_()
        Q, R = lib.linalg.qr(A + lib.eye(*shape, dtype=lib.float64), mode=mode)
        with pytest.raises(RuntimeError, match="differentiable|depends on Q"):
            R.sum().backward()
