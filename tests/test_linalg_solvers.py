"""Inverses, determinants and solves (python/chainrule/_functions/linalg_solvers.py) against PyTorch:
values and gradients in float32/float64 on batched inputs, float64 gradcheck, PyTorch's errors."""
import numpy as np
import pytest

import chainrule as cr
from conftest import assert_close, requires_torch, torch
from linalg_cases import DTYPES, requires_scipy, check_against_torch, check_gradcheck, matrix

pytestmark = [requires_torch, requires_scipy]

SQUARE = matrix((2, 3, 4, 4))
RHS = matrix((2, 3, 4, 2), seed=2)
SPD = matrix((2, 4, 4), "spd")
LOWER, UPPER = matrix((2, 4, 4), "lower"), matrix((2, 4, 4), "upper")

UNARY = [
    ("inv", lambda lib: lib.linalg.inv),
    ("inverse", lambda lib: lib.inverse),
    ("method inverse", lambda lib: lambda A: A.inverse()),
    ("det", lambda lib: lib.linalg.det),
    ("torch det", lambda lib: lib.det),
    ("method det", lambda lib: lambda A: A.det()),
    ("slogdet", lambda lib: lib.linalg.slogdet),
    ("torch slogdet", lambda lib: lib.slogdet),
    ("method logdet", lambda lib: lambda A: A.logdet()),
    ("logdet", lambda lib: lib.logdet),
    ("inv_ex", lambda lib: lib.linalg.inv_ex),
    ("matrix_power -2", lambda lib: lambda A: lib.linalg.matrix_power(A, -2)),
    ("tensorinv", lambda lib: lambda A: lib.linalg.tensorinv(A.reshape(-1)[:16].reshape(2, 2, 4), ind=2)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, op", UNARY, ids=[n for n, _ in UNARY])
def test_square_functions_match_pytorch(name, op, dtype):
    check_against_torch(op(cr), op(torch), [SQUARE], dtype)


@pytest.mark.parametrize("name, op", UNARY, ids=[n for n, _ in UNARY])
def test_square_functions_pass_gradcheck(name, op):
    check_gradcheck(op(cr), [SQUARE[0, :2]], outputs=[0, 1] if "slogdet" in name else [0])


def test_det_of_singular_matrices_has_pytorchs_gradient():  # PyTorch 2.13's is 0 where det(A) = 0
    singular = np.stack([np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 2.0]), SQUARE[0, 0, :3, :3],
                         np.array([[1.0, 2.0, 0.0], [2.0, 4.0, 0.0], [0.0, 0.0, 3.0]])])
    check_against_torch(cr.linalg.det, torch.linalg.det, [singular], "float64")


def test_logdet_is_nan_for_a_negative_determinant_and_minus_inf_for_a_singular_one():
    a = np.array([[[0.0, 1.0], [1.0, 0.0]], [[1.0, 2.0], [2.0, 4.0]]])
    assert np.array_equal(cr.logdet(cr.tensor(a)).numpy(), torch.logdet(torch.tensor(a)).numpy(), equal_nan=True)
    sign = cr.linalg.slogdet(cr.tensor(a)).sign
    assert sign.tolist() == [-1.0, 0.0]


SOLVES = [
    ("matrix", lambda lib: lib.linalg.solve, [SQUARE, RHS]),
    ("vector", lambda lib: lib.linalg.solve, [SQUARE, RHS[..., 0]]),
    ("one vector", lambda lib: lib.linalg.solve, [SQUARE[0, 0], RHS[0, 0, :, 0]]),
    ("broadcast A", lambda lib: lib.linalg.solve, [SQUARE[0, 0], RHS]),
    ("broadcast B", lambda lib: lib.linalg.solve, [SQUARE, RHS[0]]),
    ("right", lambda lib: lambda A, B: lib.linalg.solve(A, B.mT, left=False), [SQUARE, RHS]),
    ("solve_ex", lambda lib: lib.linalg.solve_ex, [SQUARE, RHS]),
    ("tensorsolve", lambda lib: lambda A, B: lib.linalg.tensorsolve(A[0, 0].reshape(4, 2, 2), B[0, 0, :, 0]),
     [SQUARE, RHS]),
    ("tensorsolve dims", lambda lib: lambda A, B: lib.linalg.tensorsolve(A[0, 0].reshape(2, 4, 2), B[0, 0, :, 0],
                                                                         dims=(0,)), [SQUARE, RHS]),
    ("triangular upper", lambda lib: lambda A, B: lib.linalg.solve_triangular(A, B, upper=True), [UPPER, RHS[0, :2]]),
    ("triangular lower right unit",
     lambda lib: lambda A, B: lib.linalg.solve_triangular(A, B.mT, upper=False, left=False, unitriangular=True),
     [LOWER, RHS[0, :2]]),
    ("triangular reads one triangle", lambda lib: lambda A, B: lib.linalg.solve_triangular(A, B, upper=False),
     [SQUARE[0, :2], RHS[0, :2]]),
    ("triangular_solve", lambda lib: lambda A, B: lib.triangular_solve(B, A), [UPPER, RHS[0, :2]]),
    ("triangular_solve transpose", lambda lib: lambda A, B: lib.triangular_solve(B, A, False, True, True),
     [LOWER, RHS[0, :2]]),
    ("method triangular_solve", lambda lib: lambda A, B: B.triangular_solve(A, upper=False), [LOWER, RHS[0, :2]]),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, op, arrays", SOLVES, ids=[n for n, _, _ in SOLVES])
def test_solves_match_pytorch(name, op, arrays, dtype):
    check_against_torch(op(cr), op(torch), arrays, dtype, outputs=[0])


@pytest.mark.parametrize("name, op, arrays", SOLVES, ids=[n for n, _, _ in SOLVES])
def test_solves_pass_gradcheck(name, op, arrays):
    check_gradcheck(op(cr), arrays, outputs=[0])


CHOLESKY = [
    ("lower", lambda lib: lib.linalg.cholesky),
    ("upper", lambda lib: lambda A: lib.linalg.cholesky(A, upper=True)),
    ("cholesky_ex", lambda lib: lib.linalg.cholesky_ex),
    ("torch cholesky", lambda lib: lib.cholesky),
    ("method cholesky upper", lambda lib: lambda A: A.cholesky(True)),
    ("cholesky_inverse", lambda lib: lambda A: lib.cholesky_inverse(lib.linalg.cholesky(A))),
    ("cholesky_inverse upper", lambda lib: lambda A: lib.cholesky_inverse(lib.linalg.cholesky(A).mT, upper=True)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, op", CHOLESKY, ids=[n for n, _ in CHOLESKY])
def test_cholesky_matches_pytorch(name, op, dtype):
    check_against_torch(op(cr), op(torch), [SPD], dtype, outputs=[0])


@pytest.mark.parametrize("name, op", CHOLESKY, ids=[n for n, _ in CHOLESKY])
def test_cholesky_passes_gradcheck(name, op):
    check_gradcheck(lambda A: op(cr)(A + A.mT), [SPD[0] / 2], outputs=[0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_cholesky_reads_the_lower_triangle_only(dtype):
    check_against_torch(lambda A: cr.linalg.cholesky(A.tril()), lambda A: torch.linalg.cholesky(A.tril()), [SPD],
                        dtype, grad=False)
    check_against_torch(lambda A: cr.linalg.cholesky(A.tril()), lambda A: torch.linalg.cholesky(A), [SPD], dtype,
                        grad=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_matches_pytorch_in_both_inputs(dtype, upper):
    factor = UPPER if upper else LOWER
    check_against_torch(lambda B, L: cr.cholesky_solve(B, L, upper), lambda B, L: torch.cholesky_solve(B, L, upper),
                        [RHS[0, :2], factor], dtype)
    # PyTorch's gradient for L treats A = L L^T as a whole (it is not zero above the diagonal), so
    # finite differences see it only through a factor that cholesky computed.
    check_gradcheck(lambda B, S: B.cholesky_solve(cr.linalg.cholesky(S + S.mT, upper=upper), upper),
                    [RHS[0, 0], SPD[0] / 2])


def _error(call, lib, arrays, dtype="float64"):
    """The exception call(lib, *tensors) raises (its type, message) or None."""
    try:
        call(lib, *[lib.tensor(a, dtype=getattr(lib, dtype)) for a in arrays])
    except Exception as error:  # noqa: BLE001 -- the type is what is compared
        return error
    return None


def _assert_same_error(call, arrays, dtype="float64"):
    ours, theirs = _error(call, cr, arrays, dtype), _error(call, torch, arrays, dtype)
    assert theirs is not None and ours is not None, (ours, theirs)
    assert str(ours) == str(theirs)
    assert isinstance(ours, RuntimeError) == isinstance(theirs, RuntimeError)
    assert isinstance(ours, cr.linalg.LinAlgError) == isinstance(theirs, torch.linalg.LinAlgError)


SINGULAR = np.stack([np.eye(3), np.zeros((3, 3))])
ERRORS = [
    ("inv singular", lambda lib, A: lib.linalg.inv(A), [SINGULAR]),
    ("inverse singular", lambda lib, A: lib.inverse(A[1]), [SINGULAR]),
    ("inv non-square", lambda lib, A: lib.linalg.inv(A), [np.ones((3, 4))]),
    ("inv 1-D", lambda lib, A: lib.linalg.inv(A), [np.ones(3)]),
    ("det non-square", lambda lib, A: lib.linalg.det(A), [np.ones((3, 4))]),
    ("slogdet 1-D", lambda lib, A: lib.linalg.slogdet(A), [np.ones(3)]),
    ("solve singular", lambda lib, A, B: lib.linalg.solve(A, B), [SINGULAR, np.ones((2, 3))]),
    ("solve one singular", lambda lib, A, B: lib.linalg.solve(A[1], B), [SINGULAR, np.ones(3)]),
    ("cholesky not positive-definite", lambda lib, A: lib.linalg.cholesky(A), [-SINGULAR]),
    ("cholesky non-square", lambda lib, A: lib.linalg.cholesky(A), [np.ones((3, 4))]),
    ("inv_ex check_errors", lambda lib, A: lib.linalg.inv_ex(A, check_errors=True), [SINGULAR]),
    ("cholesky_ex check_errors", lambda lib, A: lib.linalg.cholesky_ex(A, check_errors=True), [-SINGULAR]),
]


@pytest.mark.parametrize("name, call, arrays", ERRORS, ids=[n for n, _, _ in ERRORS])
def test_bad_inputs_raise_pytorchs_errors(name, call, arrays):
    _assert_same_error(call, arrays)


@pytest.mark.parametrize("op", ["inv", "det", "slogdet", "cholesky"])
def test_integer_inputs_are_refused_as_pytorch_does(op):
    _assert_same_error(lambda lib, A: getattr(lib.linalg, op)(A), [np.eye(3)], "int64")


def test_the_ex_forms_report_info_per_matrix_instead_of_raising():
    for ours, theirs in [(cr.linalg.inv_ex(cr.tensor(SINGULAR)), torch.linalg.inv_ex(torch.tensor(SINGULAR))),
                         (cr.linalg.cholesky_ex(cr.tensor(-SINGULAR)),
                          torch.linalg.cholesky_ex(torch.tensor(-SINGULAR))),
                         (cr.linalg.solve_ex(cr.tensor(SINGULAR), cr.ones(2, 3, dtype=cr.float64)),
                          torch.linalg.solve_ex(torch.tensor(SINGULAR), torch.ones(2, 3, dtype=torch.float64)))]:
        assert ours.info.tolist() == theirs.info.tolist()
        assert type(ours).__name__ == type(theirs).__name__


SYMMETRIC_INDEFINITE = matrix((2, 3, 4, 4), "symmetric", seed=9) - 3 * np.eye(4)


@pytest.mark.parametrize("dtype", DTYPES)
def test_ldl_factor_and_solve_match_pytorch(dtype):
    for ldl in ("ldl_factor", "ldl_factor_ex"):
        check_against_torch(getattr(cr.linalg, ldl), getattr(torch.linalg, ldl), [SYMMETRIC_INDEFINITE], dtype,
                            grad=False)

    def solve(lib):
        return lambda A, B: lib.linalg.ldl_solve(*lib.linalg.ldl_factor(A), B)
    check_against_torch(solve(cr), solve(torch), [SYMMETRIC_INDEFINITE, RHS], dtype, grad=False)
    check_against_torch(solve(cr), solve(torch), [SYMMETRIC_INDEFINITE, RHS[0, 0]], dtype, grad=False)


def test_ldl_factor_of_a_singular_matrix():
    ours, theirs = cr.linalg.ldl_factor_ex(cr.zeros(2, 2)), torch.linalg.ldl_factor_ex(torch.zeros(2, 2))
    assert ours.info.tolist() == theirs.info.tolist() == 1
    for lib in (cr, torch):  # PyTorch's message is an internal assert's; only the type is compared
        with pytest.raises(RuntimeError):
            lib.linalg.ldl_factor(lib.zeros(2, 2))


def test_linalg_error_is_a_runtime_error():
    assert issubclass(cr.linalg.LinAlgError, RuntimeError)
    with pytest.raises(RuntimeError, match="singular"):
        cr.linalg.inv(cr.zeros(2, 2))


@pytest.mark.skipif(not cr.cuda.is_available(), reason="no CUDA device: the host round trip from the GPU is not run")
def test_gpu_inputs_give_gpu_results_and_gradients():
    A = cr.tensor(SQUARE[0, 0], device="cuda", requires_grad=True)
    B = cr.tensor(RHS[0, 0], device="cuda")
    X = cr.linalg.solve(A, B)
    assert X.device.type == "cuda"
    X.sum().backward()
    assert A.grad.device.type == "cuda"
    expected = torch.linalg.solve(torch.tensor(SQUARE[0, 0]), torch.tensor(RHS[0, 0]))
    np.testing.assert_allclose(X.detach().cpu().numpy(), expected.numpy(), rtol=1e-9)


@requires_torch
@pytest.mark.parametrize("call", [lambda lib, m: lib.det(input=m), lambda lib, m: lib.inverse(input=m),
                                  lambda lib, m: lib.matrix_exp(input=m), lambda lib, m: lib.linalg.matrix_exp(input=m),
                                  lambda lib, m: lib.linalg.det(A=m), lambda lib, m: lib.linalg.inv(A=m)])
def test_keyword_names_as_torch(call):
    """torch.det/inverse/matrix_exp take input=, torch.linalg.det/inv take A=."""
    ours, ref = (call(lib, lib.tensor([[2.0, 1.0], [0.5, 3.0]], dtype=lib.float64)) for lib in (cr, torch))
    assert_close(ours, ref.numpy())


def removed_function_message(lib, call):
    a = lib.eye(2)
    with pytest.raises(RuntimeError) as caught:
        call(lib, a)
    return str(caught.value)


@requires_torch
@pytest.mark.parametrize("call", [
    lambda lib, a: lib.solve(a, a), lambda lib, a: lib.lstsq(a, a), lambda lib, a: lib.symeig(a),
    lambda lib, a: lib.eig(a), lambda lib, a: lib.matrix_rank(a), lambda lib, a: a.solve(a),
    lambda lib, a: a.lstsq(a), lambda lib, a: a.symeig(eigenvectors=True), lambda lib, a: a.eig(True)],
    ids=["solve", "lstsq", "symeig", "eig", "matrix_rank", "Tensor.solve", "Tensor.lstsq", "Tensor.symeig",
         "Tensor.eig"])
def test_functions_removed_in_1_9_raise_torchs_migration_error(call):
    """The parametrizations tutorial's CayleyMap calls torch.solve(B, A).solution: PyTorch says it was removed and
    what replaces it, a RuntimeError (chainrule raised AttributeError 'does not have torch.solve yet')."""
    assert removed_function_message(cr, call) == removed_function_message(torch, call)
